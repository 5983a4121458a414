# One INTERFACE target carries the warning flags; every project target links it.
add_library(infaas_warnings INTERFACE)
target_compile_options(infaas_warnings INTERFACE -Wall -Wextra)
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  # Checks the ABSL_GUARDED_BY / ABSL_EXCLUSIVE_LOCKS_REQUIRED annotations;
  # GCC ignores them, so the clang preset is the one that enforces them.
  target_compile_options(infaas_warnings INTERFACE -Wthread-safety)
endif()
if(INFAAS_WERROR)
  target_compile_options(infaas_warnings INTERFACE -Werror)
endif()
