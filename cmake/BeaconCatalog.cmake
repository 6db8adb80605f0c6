# beacon_add_catalog(<target> CATALOG <file.yaml> [CLI] [OUTPUT_DIR <dir>])
#
# Generates C from a beacon event catalog into the build tree and builds it
# as a static library <target> linked to beacon::runtime. The code is
# regenerated whenever the catalog, a template or a generator source changes.
# With CLI, also builds the catalog's command-line emitter <prefix>-emit.
include_guard(GLOBAL)
include(${CMAKE_CURRENT_LIST_DIR}/BeaconPython.cmake)

if(NOT BEACON_CODEGEN_DIR)
  if(EXISTS "${CMAKE_CURRENT_LIST_DIR}/../codegen/__main__.py")
    get_filename_component(BEACON_CODEGEN_DIR "${CMAKE_CURRENT_LIST_DIR}/../codegen" ABSOLUTE)
  else()
    get_filename_component(BEACON_CODEGEN_DIR "${CMAKE_CURRENT_LIST_DIR}/../../../share/beacon/codegen" ABSOLUTE)
  endif()
endif()

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

  file(GLOB gen_deps CONFIGURE_DEPENDS
       "${BEACON_CODEGEN_DIR}/*.py" "${BEACON_CODEGEN_DIR}/templates/*")
  file(RELATIVE_PATH source_name "${CMAKE_SOURCE_DIR}" "${catalog}")
  get_filename_component(codegen_parent "${BEACON_CODEGEN_DIR}" DIRECTORY)

  add_custom_command(
    OUTPUT ${outputs}
    COMMAND ${CMAKE_COMMAND} -E env "PYTHONPATH=${codegen_parent}"
            "${BEACON_PYTHON}" -m codegen generate "${catalog}" -o "${outdir}"
            --source-name "${source_name}" ${cli_flag}
    # The generator leaves unchanged files alone; touch them so the build
    # does not re-run this command on every invocation.
    COMMAND ${CMAKE_COMMAND} -E touch_nocreate ${outputs}
    DEPENDS "${catalog}" ${gen_deps}
    COMMENT "beacon-gen ${source_name}"
    VERBATIM)

  add_library(${target} STATIC "${outdir}/${prefix}_events.c" "${outdir}/${prefix}_events.h")
  target_include_directories(${target} PUBLIC "${outdir}")
  target_link_libraries(${target} PUBLIC beacon::runtime)

  if(ARG_CLI)
    add_executable(${prefix}-emit "${outdir}/${prefix}_emit_main.c")
    target_link_libraries(${prefix}-emit PRIVATE ${target} beacon::cli)
  endif()
endfunction()
