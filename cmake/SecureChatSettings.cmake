# cmake -P script: fills @SETTINGS@ of TEMPLATE with what
# "DAEMON <FLAGS> --dump-settings FORMAT" prints (the daemon's settings
# table) and writes OUTPUT. The man page and the config file are made this
# way, so they list every setting the daemon has, with its default.
#   -DDAEMON=... -DFORMAT=conf|man -DFLAGS="a;b" -DTEMPLATE=... -DOUTPUT=...
execute_process(
  COMMAND ${DAEMON} ${FLAGS} --dump-settings ${FORMAT}
  OUTPUT_VARIABLE settings
  ERROR_VARIABLE errors
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR NOT errors STREQUAL "")
  message(FATAL_ERROR "${DAEMON} --dump-settings ${FORMAT}: ${rc} ${errors}")
endif()
file(READ ${TEMPLATE} text)
string(REPLACE "@SETTINGS@\n" "${settings}" text "${text}")
file(WRITE ${OUTPUT}.tmp "${text}")
file(RENAME ${OUTPUT}.tmp ${OUTPUT})
