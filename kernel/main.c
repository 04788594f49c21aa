// SPDX-License-Identifier: GPL-2.0
/*
 * Fan networking: map an overlay /8 onto an underlay /16 and carry the
 * overlay in IPIP, with no control plane.  Module set-up: per-namespace
 * state, the underlay notifier, the link kind and the IPIP receiver.
 */

#include <linux/module.h>
#include <linux/netdevice.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <net/rtnetlink.h>

#include "fan.h"

unsigned int fan_net_id __read_mostly;

static int __net_init fan_net_init(struct net *net)
{
	INIT_LIST_HEAD(&fan_pernet(net)->devs);
	return 0;
}

/*
 * Devices die with their namespace.  A batch of namespaces goes at once,
 * under one RTNL (compat.h): container hosts tear down many namespaces,
 * most with no fan device.  RTNL held.
 */
void fan_net_exit_rtnl(struct net *net, struct list_head *kill)
{
	struct fan_dev *fan, *next;

	list_for_each_entry_safe(fan, next, &fan_pernet(net)->devs, list)
		unregister_netdevice_queue(fan->dev, kill);
}

static struct pernet_operations fan_net_ops = {
	.init	= fan_net_init,
#if defined(FAN_HAVE_EXIT_RTNL)
	.exit_rtnl = fan_net_exit_rtnl,
#elif defined(FAN_HAVE_EXIT_BATCH_RTNL)
	.exit_batch_rtnl = fan_compat_net_exit_batch_rtnl,
#else
	.exit_batch = fan_compat_net_exit_batch,
#endif
	.id	= &fan_net_id,
	.size	= sizeof(struct fan_net),
};

/*
 * Follow the underlay's MTU; delete the fan devices of an underlay that
 * goes away (or leaves the namespace), as vlan and vxlan do.
 */
static int fan_netdev_event(struct notifier_block *nb, unsigned long event,
			    void *ptr)
{
	struct net_device *lower = netdev_notifier_info_to_dev(ptr);
	struct fan_net *fn;
	struct fan_dev *fan, *next;
	LIST_HEAD(kill);

	if (event != NETDEV_CHANGEMTU && event != NETDEV_UNREGISTER)
		return NOTIFY_DONE;
	if (lower->rtnl_link_ops == &fan_link_ops)
		return NOTIFY_DONE;

	fn = fan_pernet(dev_net(lower));
	list_for_each_entry_safe(fan, next, &fn->devs, list) {
		/* Already going: part of the same unregister batch. */
		if (fan->link != lower->ifindex ||
		    fan->dev->reg_state != NETREG_REGISTERED)
			continue;
		if (event == NETDEV_CHANGEMTU)
			fan_update_mtu(fan, lower);
		else
			unregister_netdevice_queue(fan->dev, &kill);
	}
	unregister_netdevice_many(&kill);
	return NOTIFY_DONE;
}

static struct notifier_block fan_notifier = {
	.notifier_call = fan_netdev_event,
};

static int __init fan_init(void)
{
	int err;

	err = register_pernet_device(&fan_net_ops);
	if (err)
		return err;

	err = register_netdevice_notifier(&fan_notifier);
	if (err)
		goto err_pernet;

	err = fan_nl_init();
	if (err)
		goto err_notifier;

	err = fan_rcv_init();
	if (err) {
		pr_err("fan: cannot register the IPIP receiver (%d)\n", err);
		goto err_nl;
	}
	return 0;

err_nl:
	fan_nl_exit();
err_notifier:
	unregister_netdevice_notifier(&fan_notifier);
err_pernet:
	unregister_pernet_device(&fan_net_ops);
	return err;
}

static void __exit fan_exit(void)
{
	fan_rcv_exit();
	fan_nl_exit();
	unregister_netdevice_notifier(&fan_notifier);
	unregister_pernet_device(&fan_net_ops);
}

module_init(fan_init);
module_exit(fan_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Fan networking: overlay addresses mapped onto an underlay, carried in IPIP");
MODULE_AUTHOR("The fan-ib developers");
MODULE_ALIAS_RTNL_LINK("fan");
