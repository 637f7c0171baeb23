# Unit tests of the client's models (client/*.c without curses).
foreach(t test_sanitize test_wrap test_scrollback test_editor test_complete)
  add_executable(${t} ${t}.c)
  target_link_libraries(${t} PRIVATE scclient_models PkgConfig::cmocka)
  add_test(NAME ${t} COMMAND ${t})
  set_tests_properties(${t} PROPERTIES LABELS unit TIMEOUT 120
    ENVIRONMENT "LC_ALL=C.UTF-8")
endforeach()

# Helpers of the client's tmux tests.
add_executable(hold_users hold_users.c harness.c)
target_link_libraries(hold_users PRIVATE sccommon PkgConfig::cmocka)
target_compile_definitions(hold_users PRIVATE
  SC_SECURECHATD_PATH="$<TARGET_FILE:securechatd>")
add_executable(hostile_server hostile_server.c)
target_link_libraries(hostile_server PRIVATE sccommon)

# The real client in tmux and in batch mode against the real daemon (and
# the hostile fake server above).
find_program(TMUX tmux REQUIRED)
add_test(NAME client_tmux COMMAND Python3::Interpreter
  ${CMAKE_CURRENT_SOURCE_DIR}/client_tmux.py ${PROJECT_BINARY_DIR})
set_tests_properties(client_tmux PROPERTIES LABELS e2e TIMEOUT 600)
