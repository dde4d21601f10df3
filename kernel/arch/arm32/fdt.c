/*
 * A reader for the flattened device tree the guest is booted with: one walk
 * that picks out memory, /chosen/bootargs, the GIC, the vpl011 and the Xen
 * hypervisor node. Every offset is bounds-checked: a bad tree is refused,
 * never followed.
 */
#include <string.h>
#include "arm32.h"

#define FDT_MAGIC 0xd00dfeedu
#define FDT_BEGIN_NODE 1
#define FDT_END_NODE 2
#define FDT_PROP 3
#define FDT_NOP 4
#define FDT_END 9
#define MAX_DEPTH 16

static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }

static uint64_t read_cells(const uint8_t *p, uint32_t cells) {
	uint64_t v = 0;
	for (uint32_t i = 0; i < cells; i++) v = v << 32 | be32(p + 4 * i);
	return v;
}

static int has_compatible(const char *list, uint32_t len, const char *want) {
	uint32_t i = 0;
	while (i < len) {
		const char *s = list + i;
		size_t n = strnlen(s, len - i);
		if (n == strlen(want) && memcmp(s, want, n) == 0) return 1;
		i += (uint32_t)n + 1;
	}
	return 0;
}

enum node_kind { NODE_OTHER, NODE_MEMORY, NODE_CHOSEN, NODE_GIC2, NODE_GIC3, NODE_UART, NODE_XEN };

struct level {
	uint32_t address_cells, size_cells; /* for this node's children */
	enum node_kind kind;
	const uint8_t *reg;
	uint32_t reg_len;
};

static void take_reg(struct boot_info *out, const struct level *node, const struct level *parent) {
	uint32_t entry = 4 * (parent->address_cells + parent->size_cells);
	if (!node->reg || entry == 0 || node->reg_len < entry) return;
	uint64_t a0 = read_cells(node->reg, parent->address_cells);
	uint64_t s0 = read_cells(node->reg + 4 * parent->address_cells, parent->size_cells);
	uint64_t a1 = node->reg_len >= 2 * entry ? read_cells(node->reg + entry, parent->address_cells) : 0;
	switch (node->kind) {
	case NODE_MEMORY:
		if (!out->ram_size) { out->ram_base = a0; out->ram_size = s0; }
		break;
	case NODE_GIC2:
	case NODE_GIC3:
		out->gic.version = node->kind == NODE_GIC2 ? 2 : 3;
		out->gic.dist = (uintptr_t)a0;
		out->gic.cpu_or_redist = (uintptr_t)a1;
		break;
	case NODE_UART: out->uart = (uintptr_t)a0; break;
	default: break;
	}
}

const char *fdt_read(const void *dtb, struct boot_info *out) {
	const uint8_t *base = dtb;
	memset(out, 0, sizeof(*out));
	if (!dtb || ((uintptr_t)dtb & 3)) return "no device tree (r2 is not a tree address)";
	if (be32(base) != FDT_MAGIC) return "r2 does not point at a device tree (bad magic)";
	uint32_t total = be32(base + 4), off_struct = be32(base + 8), off_strings = be32(base + 12);
	uint32_t size_strings = be32(base + 32), size_struct = be32(base + 36);
	if (total < 40 || off_struct > total || size_struct > total - off_struct ||
	    off_strings > total || size_strings > total - off_strings)
		return "device tree header is inconsistent";
	out->dtb_bytes = total;

	const uint8_t *p = base + off_struct, *end = p + size_struct;
	const char *strings = (const char *)base + off_strings;
	struct level stack[MAX_DEPTH + 1];
	int depth = 0;
	stack[0] = (struct level){2, 1, NODE_OTHER, 0, 0}; /* defaults of the spec for the root's parent */

	while (p + 4 <= end) {
		uint32_t token = be32(p);
		p += 4;
		if (token == FDT_BEGIN_NODE) {
			const char *name = (const char *)p;
			size_t n = strnlen(name, (size_t)(end - p));
			if (p + n >= end) return "device tree node name runs off the end";
			p += (n + 4) & ~(size_t)3;
			if (++depth > MAX_DEPTH) return "device tree is nested too deeply";
			stack[depth] = (struct level){2, 1, NODE_OTHER, 0, 0};
			if (depth == 2 && strcmp(name, "chosen") == 0) stack[depth].kind = NODE_CHOSEN;
			if (depth == 2 && (strcmp(name, "memory") == 0 || strncmp(name, "memory@", 7) == 0)) stack[depth].kind = NODE_MEMORY;
		} else if (token == FDT_END_NODE) {
			if (depth == 0) return "device tree closes more nodes than it opens";
			if (depth >= 2) take_reg(out, &stack[depth], &stack[depth - 1]);
			depth--;
		} else if (token == FDT_PROP) {
			if (p + 8 > end) return "device tree property runs off the end";
			uint32_t len = be32(p), nameoff = be32(p + 4);
			p += 8;
			if (len > (uint32_t)(end - p) || nameoff >= size_strings) return "device tree property is out of bounds";
			const char *pname = strings + nameoff;
			struct level *node = &stack[depth];
			if (strcmp(pname, "#address-cells") == 0 && len == 4) node->address_cells = be32(p);
			else if (strcmp(pname, "#size-cells") == 0 && len == 4) node->size_cells = be32(p);
			else if (strcmp(pname, "reg") == 0) { node->reg = p; node->reg_len = len; }
			else if (strcmp(pname, "device_type") == 0 && len >= 7 && memcmp(p, "memory", 7) == 0) node->kind = NODE_MEMORY;
			else if (strcmp(pname, "bootargs") == 0 && node->kind == NODE_CHOSEN && len > 0 && p[len - 1] == 0) out->bootargs = (const char *)p;
			else if (strcmp(pname, "compatible") == 0) {
				const char *c = (const char *)p;
				if (has_compatible(c, len, "arm,gic-v3")) node->kind = NODE_GIC3;
				else if (has_compatible(c, len, "arm,cortex-a15-gic") || has_compatible(c, len, "arm,gic-400")) node->kind = NODE_GIC2;
				else if (has_compatible(c, len, "arm,sbsa-uart") || has_compatible(c, len, "arm,pl011")) { if (!out->uart) node->kind = NODE_UART; }
				else if (has_compatible(c, len, "xen,xen")) { node->kind = NODE_XEN; out->has_hypervisor = 1; }
			}
			p += (len + 3) & ~3u;
		} else if (token == FDT_NOP) {
			continue;
		} else if (token == FDT_END) {
			break;
		} else {
			return "device tree has an unknown token";
		}
	}
	if (!out->ram_size) return "device tree names no memory";
	if (!out->gic.version) return "device tree names no GICv2 or GICv3 interrupt controller";
	return 0;
}
