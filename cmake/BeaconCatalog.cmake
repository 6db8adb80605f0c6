# beacon_add_catalog(<target> CATALOG <file.yaml> [CLI] [OUTPUT_DIR <dir>])
#
# Generates C from a beacon event catalog into the build tree and builds it
# as a static library <target> linked to beacon::runtime (the shared runtime),
# or to beacon::runtime_static where the variable BEACON_LINK_STATIC is true
# (beacon's own build sets it for its examples, tests and benchmarks). The
# code is regenerated whenever the catalog, a template or a generator source
# changes. With CLI, also builds the catalog's command-line emitter
# <prefix>-emit, linked to beacon::cli (or beacon::cli_static).
#
# The generator is the codegen/ package beside this file's folder in a source
# tree, or the one BEACON_CODEGEN_DIR names (the installed package sets it).
# It is recorded when this file is first included, so the function works from
# any directory of any project, including one that add_subdirectory()'d beacon.
include_guard(GLOBAL)
include(${CMAKE_CURRENT_LIST_DIR}/BeaconPython.cmake)

if(NOT BEACON_CODEGEN_DIR)
  get_filename_component(BEACON_CODEGEN_DIR "${CMAKE_CURRENT_LIST_DIR}/../codegen" ABSOLUTE)
endif()
if(NOT EXISTS "${BEACON_CODEGEN_DIR}/__main__.py")
  message(FATAL_ERROR "beacon: no generator package at ${BEACON_CODEGEN_DIR}")
endif()
set_property(GLOBAL PROPERTY BEACON_CODEGEN_DIR "${BEACON_CODEGEN_DIR}")

function(beacon_add_catalog target)
  cmake_parse_arguments(ARG "CLI" "CATALOG;OUTPUT_DIR" "" ${ARGN})
  if(NOT ARG_CATALOG)
    message(FATAL_ERROR "beacon_add_catalog(${target}): CATALOG is required")
  endif()
  get_filename_component(catalog "${ARG_CATALOG}" ABSOLUTE)
  if(NOT EXISTS "${catalog}")
    message(FATAL_ERROR "beacon_add_catalog(${target}): no such catalog: ${catalog}")
  endif()

  # The prefix decides the output file names; re-read it whenever the catalog
  # changes (CMAKE_CONFIGURE_DEPENDS re-runs configure).
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${catalog}")
  file(STRINGS "${catalog}" prefix_line REGEX "^prefix:[ \t]*[a-z][a-z0-9_]*")
  file(STRINGS "${catalog}" catalog_line REGEX "^catalog:[ \t]*[a-z][a-z0-9_]*")
  if(prefix_line)
    string(REGEX REPLACE "^prefix:[ \t]*([a-z][a-z0-9_]*).*" "\\1" prefix "${prefix_line}")
  elseif(catalog_line)
    string(REGEX REPLACE "^catalog:[ \t]*([a-z][a-z0-9_]*).*" "\\1" prefix "${catalog_line}")
  else()
    message(FATAL_ERROR "${catalog}: no 'catalog:' key found")
  endif()

  if(ARG_OUTPUT_DIR)
    set(outdir "${ARG_OUTPUT_DIR}")
  else()
    set(outdir "${CMAKE_CURRENT_BINARY_DIR}/beacon_generated/${target}")
  endif()
  set(outputs "${outdir}/${prefix}_events.h" "${outdir}/${prefix}_events.c")
  set(cli_flag)
  if(ARG_CLI)
    list(APPEND outputs "${outdir}/${prefix}_emit_main.c")
    set(cli_flag --cli)
  endif()

  get_property(codegen_dir GLOBAL PROPERTY BEACON_CODEGEN_DIR)
  file(GLOB gen_deps CONFIGURE_DEPENDS "${codegen_dir}/*.py" "${codegen_dir}/templates/*")
  get_filename_component(codegen_parent "${codegen_dir}" DIRECTORY)
  # The catalog as the generated files' banner names it: relative to the
  # calling project, or its file name when it lives elsewhere.
  file(RELATIVE_PATH source_name "${PROJECT_SOURCE_DIR}" "${catalog}")
  if(source_name MATCHES "^\\.\\./")
    get_filename_component(source_name "${catalog}" NAME)
  endif()

  add_custom_command(
    OUTPUT ${outputs}
    COMMAND ${CMAKE_COMMAND} -E env "PYTHONPATH=${codegen_parent}"
            "${BEACON_PYTHON}" -m codegen generate "${catalog}" -o "${outdir}"
            --source-name "${source_name}" ${cli_flag}
    # The generator leaves unchanged files alone; touch them so the build
    # does not re-run this command on every invocation.
    COMMAND ${CMAKE_COMMAND} -E touch_nocreate ${outputs}
    DEPENDS "${catalog}" ${gen_deps}
    WORKING_DIRECTORY "${CMAKE_CURRENT_BINARY_DIR}"
    COMMENT "beacon-gen ${source_name}"
    VERBATIM)

  add_library(${target} STATIC "${outdir}/${prefix}_events.c" "${outdir}/${prefix}_events.h")
  target_include_directories(${target} PUBLIC "${outdir}")
  if(BEACON_LINK_STATIC)
    set(runtime beacon::runtime_static)
    set(cli beacon::cli_static)
  else()
    set(runtime beacon::runtime)
    set(cli beacon::cli)
  endif()
  target_link_libraries(${target} PUBLIC ${runtime})

  if(ARG_CLI)
    add_executable(${prefix}-emit "${outdir}/${prefix}_emit_main.c")
    target_link_libraries(${prefix}-emit PRIVATE ${target} ${cli})
  endif()
endfunction()
