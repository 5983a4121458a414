# One INTERFACE target carries the warning flags; every project target links it.
add_library(infaas_warnings INTERFACE)
target_compile_options(infaas_warnings INTERFACE -Wall -Wextra)
if(INFAAS_WERROR)
  target_compile_options(infaas_warnings INTERFACE -Werror)
endif()
