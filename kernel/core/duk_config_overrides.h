/* nymote's overrides of Debian's duk_config.h, inserted at its
 * __OVERRIDE_DEFINES__ marker by kernel/Makefile. The host bytecode compiler
 * and every target build from the result, and its hash is the engine config
 * hash a bytecode blob must carry. */

/* Time and randomness come from the kernel, not from libc (guests have none). */
#undef DUK_USE_DATE_NOW_GETTIMEOFDAY
#undef DUK_USE_DATE_NOW_TIME
#undef DUK_USE_DATE_TZO_GMTIME_R
#undef DUK_USE_DATE_TZO_GMTIME_S
#undef DUK_USE_DATE_TZO_GMTIME
#undef DUK_USE_DATE_PRS_STRPTIME
#undef DUK_USE_DATE_FMT_STRFTIME
#undef DUK_USE_GET_MONOTONIC_TIME_CLOCK_GETTIME
extern double nymote_engine_wall_ms(void);
extern double nymote_engine_monotonic_ms(void);
extern double nymote_engine_random_double(void);
extern void nymote_engine_fatal(void *udata, const char *msg);
#define DUK_USE_DATE_GET_NOW(ctx) nymote_engine_wall_ms()
#define DUK_USE_DATE_GET_LOCAL_TZOFFSET(d) 0
#define DUK_USE_GET_MONOTONIC_TIME(ctx) nymote_engine_monotonic_ms()
#define DUK_USE_GET_RANDOM_DOUBLE(udata) nymote_engine_random_double()
#undef DUK_USE_FATAL_HANDLER
#define DUK_USE_FATAL_HANDLER(udata, msg) nymote_engine_fatal((udata), (msg))

/* Deeper tracebacks: app stacks pass through the runtime's event loop. */
#undef DUK_USE_TRACEBACK_DEPTH
#define DUK_USE_TRACEBACK_DEPTH 24

/* Integers as 48-bit fastints: integer arithmetic and typed-array indexing
 * without doubles. JSON prints a fastint with sprintf "%lld", which the ARM
 * guest's newlib-nano printf lacks (it printed "ld", caught by the tier-5
 * homepage test's /healthz): the engine's sprintf does that one conversion
 * itself (kernel/core/format.c). */
#define DUK_USE_FASTINT
extern int nymote_engine_sprintf(char *buf, const char *fmt, ...);
#undef DUK_SPRINTF
#define DUK_SPRINTF nymote_engine_sprintf

/* No .fileName on every function: the program is one bundle, so a stack
 * frame's file says nothing a line number does not (kernel/runtime/errors.ts
 * maps "(:line)" through the bundle's line map), and each function's bytecode
 * and heap object would carry it. */
#undef DUK_USE_FUNC_FILENAME_PROPERTY

/* Duktape's JX/JC JSON dialects (Duktape.enc('jx')): no image uses them, and
 * leaving them out needs no regenerated built-in tables (CBOR, coroutines,
 * Proxy and Reflect would: Debian ships the amalgamation only). */
#undef DUK_USE_JX
#undef DUK_USE_JC
