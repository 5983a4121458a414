#pragma once

// Whether this build runs under a sanitizer that reserves terabytes of
// address space for its shadow memory (ASan, TSan): limits on the address
// space (RLIMIT_AS) cannot be applied to such processes.

namespace infaas {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool kShadowMemorySanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
inline constexpr bool kShadowMemorySanitizer = true;
#else
inline constexpr bool kShadowMemorySanitizer = false;
#endif
#else
inline constexpr bool kShadowMemorySanitizer = false;
#endif

}  // namespace infaas
