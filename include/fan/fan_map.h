/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fan address mapping, shared by the kernel module and fanctl.
 *
 * A map is (overlay O/o, underlay U/u) with o < u.  An underlay host H in
 * U/u owns the overlay slice of length o + (32 - u):
 *
 *	slice(H)    = O | ((H & ~mask(u)) << (u - o))
 *	underlay(D) = U | ((D & ~mask(o)) >> (u - o))
 *
 * Everything here works on host-order u32 and has no side effects, so the
 * userspace unit tests can run it exhaustively.
 */
#ifndef _FAN_MAP_H
#define _FAN_MAP_H

#include <linux/types.h>
#ifndef __KERNEL__
#include <stdbool.h>
#endif

/* A slice needs at least this many bits for containers (net, .1, bcast). */
#define FAN_MIN_CONTAINER_BITS	2

struct fan_map_math {
	__u32 overlay;		/* host order, no host bits set */
	__u32 underlay;		/* host order, no host bits set */
	__u8 overlay_len;
	__u8 underlay_len;
};

enum fan_map_error {
	FAN_MAP_OK = 0,
	FAN_MAP_BAD_OVERLAY_LEN,	/* overlay prefix length not in 1..30 */
	FAN_MAP_BAD_UNDERLAY_LEN,	/* underlay prefix length not in 1..30 */
	FAN_MAP_OVERLAY_HOST_BITS,	/* overlay address has host bits set */
	FAN_MAP_UNDERLAY_HOST_BITS,	/* underlay address has host bits set */
	FAN_MAP_OVERLAY_NOT_SHORTER,	/* overlay prefix not shorter */
	FAN_MAP_SLICE_TOO_SMALL,	/* fewer than 2 container bits */
};

/*
 * Messages as string literals, so the kernel can hand them to extack
 * (NL_SET_ERR_MSG needs literals) and fanctl can print the same words.
 */
#define FAN_MAP_MSG_OK	"ok"
#define FAN_MAP_MSG_BAD_OVERLAY_LEN	"overlay prefix length must be 1..30"
#define FAN_MAP_MSG_BAD_UNDERLAY_LEN	"underlay prefix length must be 1..30"
#define FAN_MAP_MSG_OVERLAY_HOST_BITS	"overlay prefix has host bits set"
#define FAN_MAP_MSG_UNDERLAY_HOST_BITS	"underlay prefix has host bits set"
#define FAN_MAP_MSG_OVERLAY_NOT_SHORTER	"overlay prefix must be shorter than underlay prefix"
#define FAN_MAP_MSG_SLICE_TOO_SMALL	"slice leaves fewer than 2 bits for containers"

static inline __u32 fan_mask(unsigned int len)
{
	return len ? ~(__u32)0 << (32 - len) : 0;
}

static inline bool fan_prefix_contains(__u32 prefix, unsigned int len, __u32 addr)
{
	return ((addr ^ prefix) & fan_mask(len)) == 0;
}

/* Do two prefixes share any address? */
static inline bool fan_prefixes_overlap(__u32 a, unsigned int alen,
					__u32 b, unsigned int blen)
{
	unsigned int len = alen < blen ? alen : blen;

	return ((a ^ b) & fan_mask(len)) == 0;
}

/* Bits a host number occupies in the underlay. */
static inline unsigned int fan_host_bits(const struct fan_map_math *m)
{
	return 32 - m->underlay_len;
}

/* Length of each host's overlay slice: o + (32 - u). */
static inline unsigned int fan_slice_len(const struct fan_map_math *m)
{
	return m->overlay_len + 32 - m->underlay_len;
}

/* Bits left to containers inside a slice: u - o. */
static inline unsigned int fan_container_bits(const struct fan_map_math *m)
{
	return m->underlay_len - m->overlay_len;
}

static inline enum fan_map_error fan_map_check(const struct fan_map_math *m)
{
	if (m->overlay_len < 1 || m->overlay_len > 30)
		return FAN_MAP_BAD_OVERLAY_LEN;
	if (m->underlay_len < 1 || m->underlay_len > 30)
		return FAN_MAP_BAD_UNDERLAY_LEN;
	if (m->overlay & ~fan_mask(m->overlay_len))
		return FAN_MAP_OVERLAY_HOST_BITS;
	if (m->underlay & ~fan_mask(m->underlay_len))
		return FAN_MAP_UNDERLAY_HOST_BITS;
	if (m->overlay_len >= m->underlay_len)
		return FAN_MAP_OVERLAY_NOT_SHORTER;
	if (fan_container_bits(m) < FAN_MIN_CONTAINER_BITS)
		return FAN_MAP_SLICE_TOO_SMALL;
	return FAN_MAP_OK;
}

static inline const char *fan_map_strerror(enum fan_map_error err)
{
	switch (err) {
	case FAN_MAP_OK:
		return FAN_MAP_MSG_OK;
	case FAN_MAP_BAD_OVERLAY_LEN:
		return FAN_MAP_MSG_BAD_OVERLAY_LEN;
	case FAN_MAP_BAD_UNDERLAY_LEN:
		return FAN_MAP_MSG_BAD_UNDERLAY_LEN;
	case FAN_MAP_OVERLAY_HOST_BITS:
		return FAN_MAP_MSG_OVERLAY_HOST_BITS;
	case FAN_MAP_UNDERLAY_HOST_BITS:
		return FAN_MAP_MSG_UNDERLAY_HOST_BITS;
	case FAN_MAP_OVERLAY_NOT_SHORTER:
		return FAN_MAP_MSG_OVERLAY_NOT_SHORTER;
	case FAN_MAP_SLICE_TOO_SMALL:
		return FAN_MAP_MSG_SLICE_TOO_SMALL;
	}
	return "unknown map error";
}

/* Host number of an underlay address (its bits below the underlay prefix). */
static inline __u32 fan_host_part(const struct fan_map_math *m, __u32 host)
{
	return host & ~fan_mask(m->underlay_len);
}

/* A host number of all zeros or all ones is not a host. */
static inline bool fan_host_part_valid(const struct fan_map_math *m, __u32 part)
{
	__u32 all = ~fan_mask(m->underlay_len);

	return part != 0 && part != all;
}

/* First address of the slice owned by underlay host @host. */
static inline __u32 fan_slice_of(const struct fan_map_math *m, __u32 host)
{
	return m->overlay |
	       (fan_host_part(m, host) << fan_container_bits(m));
}

/* Underlay host owning overlay address @dst (dst must be in the overlay). */
static inline __u32 fan_underlay_of(const struct fan_map_math *m, __u32 dst)
{
	return m->underlay |
	       ((dst & ~fan_mask(m->overlay_len)) >> fan_container_bits(m));
}

/* Container part of an overlay address: its bits below the slice prefix. */
static inline __u32 fan_container_part(const struct fan_map_math *m, __u32 addr)
{
	return addr & ~fan_mask(fan_slice_len(m));
}

/* Is @addr the slice's directed broadcast (all container bits set)? */
static inline bool fan_is_slice_broadcast(const struct fan_map_math *m,
					  __u32 addr)
{
	return fan_container_part(m, addr) == ~fan_mask(fan_slice_len(m));
}

#endif /* _FAN_MAP_H */
