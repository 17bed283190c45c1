/* sanitizer.h: LT_ASAN when built with AddressSanitizer (gcc or clang), and its interface. */
#ifndef LT_SANITIZER_H
#define LT_SANITIZER_H

#if defined(__SANITIZE_ADDRESS__)
#define LT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LT_ASAN 1
#endif
#endif
#ifdef LT_ASAN
#include <sanitizer/asan_interface.h>
#endif

#endif
