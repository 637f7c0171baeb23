# Compiler warnings and the optional sanitizer build, applied to every target.
add_compile_options(-Wall -Wextra -Wshadow -Wstrict-prototypes
                    -Wmissing-prototypes -Wformat=2 -Wvla
                    -fstack-protector-strong)
if(SC_WERROR)
  add_compile_options(-Werror)
endif()
if(SC_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
