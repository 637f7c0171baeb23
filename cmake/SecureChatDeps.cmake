# Finds the external libraries through pkg-config and exposes them as
# imported targets: PkgConfig::libevent, ::libevent_pthreads,
# ::libevent_extra (evdns, for the client), ::libsodium,
# ::jansson, ::sqlite3 (the history store), ::ncursesw and (tests only)
# ::cmocka.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)

pkg_check_modules(libevent REQUIRED IMPORTED_TARGET libevent_core>=2.1)
pkg_check_modules(libevent_pthreads REQUIRED IMPORTED_TARGET libevent_pthreads>=2.1)
pkg_check_modules(libevent_extra REQUIRED IMPORTED_TARGET libevent_extra>=2.1)
pkg_check_modules(libsodium REQUIRED IMPORTED_TARGET libsodium>=1.0.18)
pkg_check_modules(jansson REQUIRED IMPORTED_TARGET jansson>=2.13)
pkg_check_modules(sqlite3 REQUIRED IMPORTED_TARGET sqlite3>=3.37)
pkg_check_modules(ncursesw REQUIRED IMPORTED_TARGET ncursesw>=6)
if(SC_BUILD_TESTS)
  pkg_check_modules(cmocka REQUIRED IMPORTED_TARGET cmocka>=1.1)
endif()

# intel-ipsec-mb: AES-256-GCM about four times faster than libsodium's on
# 100-200 byte frames (test/bench/bench_aead.c, docs/benchmarks.md).
# x86-64 only; without it common/aead.c uses libsodium.
find_path(IPSEC_MB_INCLUDE_DIR intel-ipsec-mb.h)
find_library(IPSEC_MB_LIBRARY IPSec_MB)
if(IPSEC_MB_INCLUDE_DIR AND IPSEC_MB_LIBRARY)
  set(SC_HAVE_IPSEC_MB ON)
  add_library(ipsec_mb UNKNOWN IMPORTED)
  set_target_properties(ipsec_mb PROPERTIES
    IMPORTED_LOCATION "${IPSEC_MB_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${IPSEC_MB_INCLUDE_DIR}")
else()
  set(SC_HAVE_IPSEC_MB OFF)
endif()
message(STATUS "AES-256-GCM: ${SC_HAVE_IPSEC_MB} (intel-ipsec-mb), else libsodium")

# libcrypto only for test/bench/bench_aead (OpenSSL's EVP timed beside the
# others); never linked into the programs.
pkg_check_modules(libcrypto QUIET IMPORTED_TARGET libcrypto>=3)
