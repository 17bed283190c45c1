# Traces every program of PROGRAMS ("|" between them) under the virtual clock into OUT/NAME,
# the fuzzers' seed corpus (and the sessions the store and request harnesses read); and
# empties the directories of WORK ("|" between them), where ctest's short runs put what they
# find, so that each run starts from the seeds and the committed inputs alone.
string(REPLACE "|" ";" work "${WORK}")
foreach(dir ${work})
  file(REMOVE_RECURSE ${dir})
  file(MAKE_DIRECTORY ${dir})
endforeach()
string(REPLACE "|" ";" programs "${PROGRAMS}")
file(REMOVE_RECURSE ${OUT}) # the seeds alone: a run given it first adds what it finds
file(MAKE_DIRECTORY ${OUT})
set(ENV{LOOPTRACE_CLOCK} virtual)
foreach(program ${programs})
  get_filename_component(name ${program} NAME)
  file(REMOVE ${OUT}/${name})
  set(ENV{LOOPTRACE} file:${OUT}/${name})
  execute_process(COMMAND ${program} OUTPUT_QUIET RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0 OR NOT EXISTS ${OUT}/${name})
    message(FATAL_ERROR "${program} traced to ${OUT}/${name} failed (${rc})")
  endif()
  file(SIZE ${OUT}/${name} size)
  message(STATUS "${name}: ${size} bytes")
endforeach()
