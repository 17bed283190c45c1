# Runs PROGRAM with LOOPTRACE_CLOCK=CLOCK and fails unless its stdout is exactly EXPECTED.
# LAUNCHER (optional, words separated by "|") runs the program: qemu-user when cross-compiled,
# valgrind for the memcheck runs; its exit status is the program's (valgrind: 1 on any error).
set(ENV{LOOPTRACE_CLOCK} ${CLOCK})
set(launcher "")
if(LAUNCHER)
  string(REPLACE "|" ";" launcher "${LAUNCHER}")
endif()
execute_process(COMMAND ${launcher} ${PROGRAM} OUTPUT_VARIABLE got RESULT_VARIABLE rc
                ERROR_VARIABLE err)
file(READ ${EXPECTED} want)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${launcher} ${PROGRAM} exited with ${rc}\nstderr:\n${err}")
endif()
if(NOT got STREQUAL want)
  message(FATAL_ERROR "${PROGRAM} (clock ${CLOCK}) printed:\n${got}\nexpected (${EXPECTED}):\n${want}")
endif()
if(launcher)
  string(REPLACE ";" " " shown "${launcher}")
  message(STATUS "${shown} ${PROGRAM} (clock ${CLOCK}): output matches the oracle")
else()
  message(STATUS "${PROGRAM} (clock ${CLOCK}): output matches the oracle")
endif()
