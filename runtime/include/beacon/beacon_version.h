/* beacon_version.h — the version of beacon these headers belong to.
 *
 * The one home of the project version: CMakeLists.txt reads the three numbers
 * from here, and the shared library's SONAME carries BEACON_VERSION_MAJOR
 * (libbeacon.so.0 for every 0.x release). beacon_version() (beacon.h) returns
 * the version the linked runtime was built with, which can differ from these
 * macros when a program runs against another build of the shared library.
 */
#ifndef BEACON_BEACON_VERSION_H
#define BEACON_BEACON_VERSION_H

#define BEACON_VERSION_MAJOR 0
#define BEACON_VERSION_MINOR 1
#define BEACON_VERSION_PATCH 0

#define BEACON_VERSION_STR_(x)  #x
#define BEACON_VERSION_XSTR_(x) BEACON_VERSION_STR_(x)

/* "MAJOR.MINOR.PATCH" as a string literal. */
#define BEACON_VERSION                                                                             \
    BEACON_VERSION_XSTR_(BEACON_VERSION_MAJOR)                                                     \
    "." BEACON_VERSION_XSTR_(BEACON_VERSION_MINOR) "." BEACON_VERSION_XSTR_(BEACON_VERSION_PATCH)

#endif /* BEACON_BEACON_VERSION_H */
