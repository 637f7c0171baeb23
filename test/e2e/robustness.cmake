# The hostile-input suite (label "robustness"): the real securechatd on
# loopback against slowloris, floods, slow readers, garbage, maximal and
# truncated frames, malformed requests and descriptor exhaustion; and
# securechatctl killed with SIGKILL while it rewrites the users file.
sc_e2e_test(robustness)
set_tests_properties(robustness PROPERTIES LABELS robustness TIMEOUT 600)

add_test(NAME robustness_ctl COMMAND Python3::Interpreter
  ${CMAKE_CURRENT_SOURCE_DIR}/robustness_ctl.py $<TARGET_FILE:securechatctl>)
set_tests_properties(robustness_ctl PROPERTIES LABELS robustness TIMEOUT 300)
