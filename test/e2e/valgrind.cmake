# The integration suite again with the daemon under valgrind memcheck
# (label "valgrind"): any memory error or definite/indirect leak makes the
# daemon exit 99, which the tests check at every shutdown. Not in the
# sanitizer build (valgrind cannot run ASan binaries).
if(NOT SC_SANITIZE)
  find_program(VALGRIND valgrind REQUIRED)
  set(SC_VALGRIND_CMD "${VALGRIND} -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect")
  foreach(t e2e_chat e2e_errors e2e_daemon e2e_rooms e2e_mod)
    add_test(NAME ${t}_valgrind COMMAND ${t})
    set_tests_properties(${t}_valgrind PROPERTIES LABELS valgrind
      TIMEOUT 900
      ENVIRONMENT "SC_SERVER_WRAPPER=${SC_VALGRIND_CMD};SC_TIMEOUT_SCALE=10;SC_E2E_NO_RACES=1")
  endforeach()
endif()
