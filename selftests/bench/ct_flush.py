#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Flush the IPv4 conntrack table of the current network namespace.

  ct_flush.py

What "conntrack -F" does (ctnetlink IPCTNL_MSG_CT_DELETE without a tuple),
for hosts without conntrack-tools: the bench empties the table before each
+ct measurement so that what it finds after was tracked by that case.
Needs nf_conntrack_netlink (autoloaded).  Exit 1 with the error if refused.
"""

import os
import socket
import struct
import sys

NETLINK_NETFILTER = 12
NFNL_SUBSYS_CTNETLINK = 1
IPCTNL_MSG_CT_DELETE = 2
NLM_F_REQUEST, NLM_F_ACK = 1, 4
NLMSG_ERROR = 2


def main():
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
    sock.bind((0, 0))
    body = struct.pack("=BBH", socket.AF_INET, 0, 0)
    msg = struct.pack("=IHHII", 16 + len(body),
                      NFNL_SUBSYS_CTNETLINK << 8 | IPCTNL_MSG_CT_DELETE,
                      NLM_F_REQUEST | NLM_F_ACK, 1, 0) + body
    sock.send(msg)
    data = sock.recv(4096)
    sock.close()
    _, mtype = struct.unpack_from("=IH", data)
    if mtype == NLMSG_ERROR:
        err = -struct.unpack_from("=i", data, 16)[0]
        if err:
            print("ct_flush: %s" % os.strerror(err), file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
