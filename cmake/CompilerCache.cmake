# Compiles through ccache when it is installed (scripts/install-deps.sh
# installs it), so that a fresh clone of the project — CI's, or a second
# checkout — reuses the objects an earlier build of the same sources made.
#
# Paths are the only thing that differs between two clones, so ccache is told
# to rewrite those under the source folder as relative ones (base_dir) and not
# to hash the folder it compiles in (hash_dir). System headers keep their
# absolute paths, which are the same on every Debian 12 machine. The cache
# is where ccache would put it (~/.cache/ccache), fixed at configure time;
# the clang, TSan and release builds all fit in it at 20 GB.
#
#   cmake --preset ci -DINFAAS_CCACHE=OFF     # compile without it
option(INFAAS_CCACHE "Compile through ccache when it is installed" ON)
if(NOT INFAAS_CCACHE)
  return()
endif()
find_program(INFAAS_CCACHE_PROGRAM ccache)
if(NOT INFAAS_CCACHE_PROGRAM)
  message(STATUS "ccache not found: compiling without a cache")
  return()
endif()
# The cache ccache itself would pick, fixed now: the build then needs no
# HOME of its own (CI's environment is not the session's).
if(DEFINED ENV{CCACHE_DIR})
  set(infaas_ccache_dir "$ENV{CCACHE_DIR}")
elseif(DEFINED ENV{XDG_CACHE_HOME})
  set(infaas_ccache_dir "$ENV{XDG_CACHE_HOME}/ccache")
elseif(DEFINED ENV{HOME})
  set(infaas_ccache_dir "$ENV{HOME}/.cache/ccache")
else()
  message(STATUS "no HOME, XDG_CACHE_HOME or CCACHE_DIR: compiling without a cache")
  return()
endif()
set(infaas_compiler_launcher
    ${CMAKE_COMMAND} -E env CCACHE_DIR=${infaas_ccache_dir} CCACHE_BASEDIR=${CMAKE_SOURCE_DIR}
    CCACHE_NOHASHDIR=true CCACHE_MAXSIZE=20G ${INFAAS_CCACHE_PROGRAM})
set(CMAKE_CXX_COMPILER_LAUNCHER ${infaas_compiler_launcher})
set(CMAKE_C_COMPILER_LAUNCHER ${infaas_compiler_launcher})
message(STATUS "compiling through ${INFAAS_CCACHE_PROGRAM} (cache ${infaas_ccache_dir}, base_dir ${CMAKE_SOURCE_DIR})")
