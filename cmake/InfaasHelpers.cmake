# infaas_test(NAME <name> SOURCES ... LIBS ... LABELS ...)
# Builds one gtest binary and registers it with CTest under the given labels.
function(infaas_test)
  if(NOT INFAAS_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(T "" "NAME;TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  set_target_properties(${T_NAME} PROPERTIES
    RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} GTest::gmock GTest::gtest_main
                        infaas_warnings)
  add_test(NAME ${T_NAME} COMMAND ${T_NAME})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  set_tests_properties(${T_NAME} PROPERTIES LABELS "${T_LABELS}" TIMEOUT ${T_TIMEOUT}
    ENVIRONMENT "INFAAS_SOURCE_DIR=${PROJECT_SOURCE_DIR};INFAAS_BINARY_DIR=${CMAKE_BINARY_DIR}")
endfunction()

# infaas_library(NAME <module> SOURCES ... DEPS ...)
# Builds infaas_<module> with alias infaas::<module>; public headers are
# included as "<module>/<header>.h" from src/.
function(infaas_library)
  cmake_parse_arguments(L "" "NAME" "SOURCES;DEPS" ${ARGN})
  add_library(infaas_${L_NAME} ${L_SOURCES})
  add_library(infaas::${L_NAME} ALIAS infaas_${L_NAME})
  target_include_directories(infaas_${L_NAME} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(infaas_${L_NAME} PUBLIC ${L_DEPS} PRIVATE infaas_warnings)
endfunction()
