# Chooses the Python interpreter that runs the beacon generator: the first
# candidate that can import both jinja2 and yaml. The python3 first on PATH
# may be a different interpreter than Debian's, so several are tried.
#
# Sets BEACON_PYTHON (cache). Stops configuration with the package to install
# when no candidate qualifies.
if(BEACON_PYTHON)
  return()
endif()

set(_beacon_py_candidates)
if(DEFINED ENV{BEACON_PYTHON})
  list(APPEND _beacon_py_candidates "$ENV{BEACON_PYTHON}")
endif()
find_program(_beacon_py_path NAMES python3 NO_CACHE)
if(_beacon_py_path)
  list(APPEND _beacon_py_candidates "${_beacon_py_path}")
endif()
list(APPEND _beacon_py_candidates /usr/bin/python3 /usr/local/bin/python3)

foreach(_py IN LISTS _beacon_py_candidates)
  if(EXISTS "${_py}")
    execute_process(COMMAND "${_py}" -c "import jinja2, yaml"
                    RESULT_VARIABLE _rc OUTPUT_QUIET ERROR_QUIET)
    if(_rc EQUAL 0)
      set(BEACON_PYTHON "${_py}" CACHE FILEPATH "Python interpreter with jinja2 and yaml, for beacon-gen")
      message(STATUS "beacon: generator runs with ${_py}")
      return()
    endif()
  endif()
endforeach()

message(FATAL_ERROR
  "beacon: no Python 3 with jinja2 and yaml found (tried: ${_beacon_py_candidates}).\n"
  "Install them with:  apt-get install python3-jinja2 python3-yaml\n"
  "or point BEACON_PYTHON at an interpreter that has them.")
