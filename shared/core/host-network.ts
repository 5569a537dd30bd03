/**
 * The host's Docker networks (infra/host/boot.sh): seat N's IDE gets the network
 * 172.17.N.0/24, 0 is the edge network (Traefik) and 255 the idle default bridge. In core
 * because the settings are checked against it at cold start (ADMIN_CIDR, the roster's seats).
 */

/**
 * All of them: the range Docker's own bridge has always used, which AWS asks VPCs not to
 * use for that reason.
 */
export const CONTAINER_ADDRESSES = '172.17.0.0/16';

/** The highest seat, dev-254: the last /24 left for an IDE. A run holds at most MAX_SEATS of them. */
export const MAX_SLOT = 254;
