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
