# Install rules and an exported package: another CMake project can
#   find_package(poolnet REQUIRED)  and  target_link_libraries(app PRIVATE poolnet::poolnet)
# Headers go to include/poolnet/{framework,layers,models,experiments,testing}/ and
# include/poolnet/poolnet.h (everything), included as <poolnet/framework/tensor.h>.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(POOLNET_LIBRARIES poolnet_framework poolnet_layers poolnet_models
  poolnet_train poolnet_eval poolnet_study poolnet_cli_lib poolnet_experiments)

add_library(poolnet INTERFACE)
target_link_libraries(poolnet INTERFACE ${POOLNET_LIBRARIES})

# The gradient checker and op contract (testing/), for ops written outside the library:
#   target_link_libraries(app PRIVATE poolnet::poolnet_testing)
install(TARGETS poolnet poolnet_testing ${POOLNET_LIBRARIES} EXPORT poolnetTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY framework layers models experiments testing DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/poolnet
  FILES_MATCHING PATTERN "*.h")
install(FILES poolnet.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/poolnet)
install(TARGETS poolnet_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

install(EXPORT poolnetTargets NAMESPACE poolnet:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/poolnet)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/poolnetConfig.cmake.in
  ${PROJECT_BINARY_DIR}/poolnetConfig.cmake INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/poolnet)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/poolnetConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/poolnetConfig.cmake ${PROJECT_BINARY_DIR}/poolnetConfigVersion.cmake
  ${PROJECT_SOURCE_DIR}/cmake/FindLIBXSMM.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/poolnet)
