/*
 * The engine's sprintf (DUK_SPRINTF in duk_config_overrides.h). Duktape
 * prints a fastint in JSON with "%lld", which the ARM guest's newlib-nano
 * printf lacks (it printed "ld"); that one conversion is done here, a few
 * dozen bytes instead of newlib's full printf, and every other format goes
 * to the C library's vsprintf.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "format.h"

int nymote_format_int64(char *buf, long long value) {
	char digits[20];
	/* The magnitude in unsigned arithmetic: -LLONG_MIN overflows a long long. */
	unsigned long long magnitude = value < 0 ? 0ull - (unsigned long long)value : (unsigned long long)value;
	int n = 0, len = 0;
	do {
		digits[n++] = (char)('0' + magnitude % 10);
		magnitude /= 10;
	} while (magnitude);
	if (value < 0) buf[len++] = '-';
	while (n) buf[len++] = digits[--n];
	buf[len] = 0;
	return len;
}

int nymote_engine_sprintf(char *buf, const char *fmt, ...) {
	va_list ap;
	int n;
	va_start(ap, fmt);
	if (strcmp(fmt, "%lld") == 0) n = nymote_format_int64(buf, va_arg(ap, long long));
	else n = vsprintf(buf, fmt, ap);
	va_end(ap);
	return n;
}
