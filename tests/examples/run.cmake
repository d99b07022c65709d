# Installs poolnet into a scratch prefix, builds examples/ against it with find_package(poolnet)
# as a separate CMake project, and runs each example with small settings:
#   custom_op        the op contract holds for the user's op
#   train_lenet      trains on the first 3000 images, writes model.safetensors, which the
#                    installed `poolnet eval` then loads
#   my_downsampling  the study runner reports the user's strategy beside the built-in ones
#   shift_equivariant_autoencoder
#                    the polyphase encoder-decoder follows circular shifts (it exits 1 if not)
file(REMOVE_RECURSE ${WORK_DIR})
function(run what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  message(STATUS "${what}:\n${out}${err}")
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${rc})")
  endif()
  set(out "${out}" PARENT_SCOPE)
endfunction()

execute_process(COMMAND ${CMAKE_COMMAND} --install ${BINARY_DIR} --prefix ${WORK_DIR}/prefix
  RESULT_VARIABLE rc OUTPUT_QUIET)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "install failed (${rc})")
endif()
run("configuring the examples" ${CMAKE_COMMAND} -S ${SOURCE_DIR}/examples -B ${WORK_DIR}/build -G Ninja
  -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix -DCMAKE_BUILD_TYPE=Release)
run("building the examples" ${CMAKE_COMMAND} --build ${WORK_DIR}/build)

run("custom_op" ${WORK_DIR}/build/custom_op)
if(NOT out MATCHES "op contract holds")
  message(FATAL_ERROR "custom_op: the op contract does not hold")
endif()

run("train_lenet" ${WORK_DIR}/build/train_lenet --limit 3000 --out ${WORK_DIR}/lenet/model.safetensors)
if(NOT out MATCHES "test accuracy 0\\.[0-9]+")
  message(FATAL_ERROR "train_lenet printed no test accuracy")
endif()
run("poolnet eval of train_lenet's model" ${WORK_DIR}/prefix/bin/poolnet eval --quiet
  --checkpoint ${WORK_DIR}/lenet/model.safetensors --test-samples 300 --grid-samples 100 --shift-modes circular)

run("my_downsampling" ${WORK_DIR}/build/my_downsampling ${WORK_DIR}/study)
foreach(file summary.csv comparisons.csv report.md report.html)
  if(NOT EXISTS ${WORK_DIR}/study/${file})
    message(FATAL_ERROR "my_downsampling wrote no ${file}")
  endif()
  file(READ ${WORK_DIR}/study/${file} text)
  foreach(strategy max_pool aps half_max_avg:weight=0.5)
    string(FIND "${text}" "${strategy}" at)
    if(at EQUAL -1)
      message(FATAL_ERROR "${file} does not list ${strategy}")
    endif()
  endforeach()
endforeach()

run("shift_equivariant_autoencoder" ${WORK_DIR}/build/shift_equivariant_autoencoder --limit 2000)
if(NOT out MATCHES "polyphase: shift-equivariant")
  message(FATAL_ERROR "shift_equivariant_autoencoder: not equivariant")
endif()
