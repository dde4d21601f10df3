#!/usr/bin/env bash
# Runs a plain ES5 script inside the unix kernel (Duktape bytecode), for
# debugging the runtime: scripts/duk-eval.sh FILE.js [app args]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
make -s -C "$top/kernel" >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$top/build/host/nymote-bcc" "$1" "$work/app.blob" "$(basename "$1")"
cat > "$work/image.S" <<ASM
	.section .rodata
	.balign 16
	.global nymote_app_blob, nymote_app_blob_end, nymote_image_memory_mib
nymote_app_blob:
	.incbin "$work/app.blob"
nymote_app_blob_end:
	.balign 4
nymote_image_memory_mib:
	.long 64
	.section .note.GNU-stack,"",%progbits
ASM
cc -c "$work/image.S" -o "$work/image.o"
cc -o "$work/image" "$work/image.o" -L"$top/build/unix" -lnymote -lm
shift
"$work/image" "$@"
