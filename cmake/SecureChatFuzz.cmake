# The libFuzzer build (SC_FUZZ, clang only; see docs/fuzzing.md). Every
# target is compiled with coverage instrumentation, AddressSanitizer and
# UndefinedBehaviorSanitizer (UB aborts, so the fuzzer sees it as a crash);
# the fuzz targets in test/fuzz/ also link libFuzzer's main. The unit tests
# are not built here, so this build does not need cmocka.
if(SC_FUZZ)
  if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "SC_FUZZ needs clang: configure with CC=clang")
  endif()
  set(SC_BUILD_TESTS OFF)
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined
                      -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
  set(SC_FUZZ_LINK_OPTIONS -fsanitize=fuzzer,address,undefined)
endif()
