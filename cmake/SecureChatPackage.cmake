# The Debian package (cpack -G DEB in the build folder, or the "package"
# target): the binaries, the units, sysusers.d and tmpfiles.d entries, the
# config file (a conffile), the logrotate snippet, man pages and docs.
# Dependencies come from dpkg-shlibdeps. Configure with
# -DCMAKE_INSTALL_PREFIX=/usr for a package that installs in /usr (the
# unit names the paths of the prefix it was configured for).
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME securechat)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "SecureChat maintainers <securechat@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "encrypted self-hosted terminal chat (server, client, admin tool)")
set(CPACK_PACKAGE_DESCRIPTION
  "SecureChat is a secure, self-hosted terminal chat: every connection is
encrypted and authenticated with the Noise protocol (Noise_XX_25519_AESGCM_SHA256).
This package has the server securechatd (a systemd service), the ncurses client
securechat and the admin tool securechatctl.")
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# systemd-sysusers and systemd-tmpfiles run from postinst.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "systemd")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "logrotate")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# The files in /etc are conffiles: an upgrade keeps the operator's edits.
file(WRITE ${PROJECT_BINARY_DIR}/conffiles
  "${CMAKE_INSTALL_FULL_SYSCONFDIR}/securechat/securechatd.conf\n"
  "${CMAKE_INSTALL_FULL_SYSCONFDIR}/logrotate.d/securechatd\n")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  ${PROJECT_BINARY_DIR}/conffiles
  ${PROJECT_SOURCE_DIR}/packaging/debian/postinst
  ${PROJECT_SOURCE_DIR}/packaging/debian/prerm
  ${PROJECT_SOURCE_DIR}/packaging/debian/postrm)
if(NOT CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  message(STATUS "The Debian package (cpack) will install in "
    "${CMAKE_INSTALL_PREFIX}; -DCMAKE_INSTALL_PREFIX=/usr for /usr")
endif()
include(CPack)
