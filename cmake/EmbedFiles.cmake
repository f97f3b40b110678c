# embed_text_files(TARGET <lib> NAMESPACE <ns> HEADER <name.h> FILES <f>...)
# Builds a static library whose header declares one `absl::string_view k<CamelName>Source` per file, holding
# the file's bytes. Editing a file rebuilds only this library. Used for Lua scripts.
function(embed_text_files)
  cmake_parse_arguments(ARG "" "TARGET;NAMESPACE;HEADER" "FILES" ${ARGN})
  set(out_dir ${CMAKE_CURRENT_BINARY_DIR}/embedded)
  set(header ${out_dir}/${ARG_HEADER})
  string(REGEX REPLACE "\\.h$" ".cc" source ${header})
  set(abs_files)
  foreach(f ${ARG_FILES})
    get_filename_component(abs ${f} ABSOLUTE)
    list(APPEND abs_files ${abs})
  endforeach()
  string(REPLACE ";" "|" files_arg "${abs_files}")
  add_custom_command(
    OUTPUT ${header} ${source}
    COMMAND ${CMAKE_COMMAND} -DHEADER=${header} -DSOURCE=${source} -DNAMESPACE=${ARG_NAMESPACE}
            "-DFILES=${files_arg}" -P ${PROJECT_SOURCE_DIR}/cmake/EmbedFilesGenerate.cmake
    DEPENDS ${abs_files} ${PROJECT_SOURCE_DIR}/cmake/EmbedFilesGenerate.cmake
    COMMENT "Embedding ${ARG_HEADER}"
    VERBATIM)
  add_library(${ARG_TARGET} STATIC ${source} ${header})
  target_include_directories(${ARG_TARGET} PUBLIC ${out_dir})
  target_link_libraries(${ARG_TARGET} PUBLIC absl::strings)
endfunction()
