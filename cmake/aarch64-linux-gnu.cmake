# cmake/aarch64-linux-gnu.cmake: cross-compiles for aarch64 Linux with Debian's
# gcc-aarch64-linux-gnu and runs what it builds (ctest, try_run) under qemu-user.
#   cmake -S . -B build-aarch64 -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake \
#         -DLT_RUNTIME_ONLY=ON
# Libraries for the target come from Debian multiarch (dpkg --add-architecture arm64;
# apt-get install libcmocka-dev:arm64): headers in /usr/include, which Debian's cross gcc
# searches, libraries and .pc files in /usr/lib/aarch64-linux-gnu. scripts/lib.sh installs
# all of this (ensure_aarch64_cross).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)

set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_ASM_COMPILER aarch64-linux-gnu-gcc)

# The cross C library (libc6-dev-arm64-cross) lives here; it is what the binaries link against.
set(LT_AARCH64_SYSROOT /usr/aarch64-linux-gnu)

# Programs (pkg-config, valgrind, ...) are the host's; libraries and headers the target's.
set(CMAKE_FIND_ROOT_PATH ${LT_AARCH64_SYSROOT} /)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# pkg-config must read the arm64 .pc files only, never the host's.
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig)
set(ENV{PKG_CONFIG_PATH} "")

# qemu-user runs the binaries: -L makes it load the cross dynamic loader
# (${LT_AARCH64_SYSROOT}/lib/ld-linux-aarch64.so.1). That loader would otherwise take libc.so.6
# from the multiarch libc6:arm64 (pulled in by libcmocka0:arm64) through /etc/ld.so.cache, a
# different glibc build than the loader; LD_LIBRARY_PATH keeps ld.so and libc.so from the same
# package. libcmocka.so.0 itself is found in /usr/lib/aarch64-linux-gnu.
find_program(LT_QEMU_AARCH64 NAMES qemu-aarch64 qemu-aarch64-static REQUIRED)
set(CMAKE_CROSSCOMPILING_EMULATOR
    ${LT_QEMU_AARCH64} -L ${LT_AARCH64_SYSROOT} -E LD_LIBRARY_PATH=${LT_AARCH64_SYSROOT}/lib)
