/*
 * tests/unit/test_exec_provider.c - providers that run configured
 * commands (daemon/providers/exec.c), configured through config_load()
 * as vssd reads /etc/vss/vss.conf.
 *
 * Without root: the configuration and its checks, the registry order
 * (PV-010), and the command contract (arguments, environment, exit
 * statuses, deadlines, list parsing, abort) with small shell commands on
 * volumes that need not exist.
 *
 * With root, loop devices, mkfs.xfs and mkfs.ext4 (without them its
 * tests skip and the program exits 77, meson's SKIP, with a message once
 * the rest has passed; any other setup error fails): the example provider
 * of examples/exec-provider/, its own vss.conf with paths swapped for the
 * test's, on an ext4 and an xfs file system in image files on a
 * reflink-capable xfs.  Commit runs with both volumes frozen (FIFREEZE),
 * as vssd runs it (commit_while_frozen): a commit that wrote to a frozen
 * volume would block until its deadline and fail.  The shadow copies
 * hold what was there at commit and not what came after, are exposed
 * read-only, listed, and deleted.
 *
 * The root part runs in a mount namespace of its own, so every mount goes
 * with the process however it dies; the loop devices detach themselves
 * once unmounted (autoclear) and the host image is unlinked as soon as
 * it is attached.  Teardown, an atexit handler and SIGINT/SIGTERM/SIGHUP
 * thaw, unmount and detach explicitly as well (sys_fixture.h).  The test
 * is a child subreaper, so that what a killed command left is reparented
 * to it and its fate can be checked with waitpid().
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "provider.h"
#include "pset.h"
#include "sys_fixture.h"
#include "vss/status.h"

#define HOST_SIZE (1LL << 30)
#define EXT4_SIZE (64LL << 20)
#define XFS_SIZE (320LL << 20) /* mkfs.xfs wants 300 MB at least */

/* The example's install paths, swapped for the test's in its vss.conf. */
#define EXAMPLE_SCRIPTS "/usr/local/libexec/vss/reflink-image"
#define EXAMPLE_IMAGES "/srv/images"
#define EXAMPLE_VOLUMES "/srv/volumes"

enum { VOL_EXT4, VOL_XFS, VOL_COUNT };

static struct {
	char dir[64];      /* the test's temporary directory */
	char conf[96];     /* configuration files written there */
	char host_img[96]; /* the host xfs image, unlinked once attached */
	char host[96];     /* its mount point */
	char images[128];  /* host/images: the volume images */
	char volumes[96];  /* mount points of the volumes */
	char vol[VOL_COUNT][128];
	char tmpfs[128];   /* under volumes, not on a loop device */
	char expose[VOL_COUNT][128];
	char dev[VOL_COUNT][32]; /* loop device of each volume */
	char host_dev[32];
	int frozen_fd[VOL_COUNT]; /* open on a frozen volume, or -1 */
} env = {.frozen_fd = {-1, -1}};

/* Configurations loaded by the tests, and their providers. */
static struct config *unit_conf, *example_conf;
static struct provider **unit_providers, **example_providers;
static size_t unit_count, example_count;

static void
thaw(int i)
{
	if (env.frozen_fd[i] < 0)
		return;
	ioctl(env.frozen_fd[i], FITHAW, 0);
	close(env.frozen_fd[i]);
	env.frozen_fd[i] = -1;
}

/* The temporary directory and the files the tests make in it. */
static int
make_dir(void)
{
	static const char *const files[] = {
	    "vss.conf",	    "rec",	  "slow.pid",	"is_supported.log",
	    "prepare.log",  "commit.log", "delete.log", "expose.log",
	    "unexpose.log", "list.log",	  "abort.log",
	};
	size_t i;

	if (sfx_tempdir("exec", env.dir, sizeof(env.dir)) < 0)
		return -1;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		sfx_track(sfx_join(env.dir, files[i]));
	return 0;
}

static void
make_paths(void)
{
	static const char *const names[VOL_COUNT] = {"ext4", "xfs"};
	int i;

	snprintf(env.conf, sizeof(env.conf), "%s/vss.conf", env.dir);
	snprintf(env.host_img, sizeof(env.host_img), "%s/host.img", env.dir);
	snprintf(env.host, sizeof(env.host), "%s/host", env.dir);
	snprintf(env.images, sizeof(env.images), "%s/images", env.host);
	snprintf(env.volumes, sizeof(env.volumes), "%s/volumes", env.dir);
	snprintf(env.tmpfs, sizeof(env.tmpfs), "%s/tmp", env.volumes);
	for (i = 0; i < VOL_COUNT; i++) {
		snprintf(env.vol[i], sizeof(env.vol[i]), "%s/%s", env.volumes,
			 names[i]);
		snprintf(env.expose[i], sizeof(env.expose[i]), "%s/expose-%s",
			 env.dir, names[i]);
	}
}

/*
 * One volume: image in host/images, made, attached and mounted: 0, or -1
 * after sfx_skip() or sfx_fail().
 */
static int
make_volume(int i, const char *fstype, const char *image, char *const mkfs[])
{
	long long size = i == VOL_XFS ? XFS_SIZE : EXT4_SIZE;

	if (sfx_image_new(image, size, mkfs) < 0 ||
	    sfx_loop_attach(image, env.dev[i], sizeof(env.dev[i])) < 0)
		return -1;
	if (sfx_mount(env.dev[i], env.vol[i], fstype, 0, NULL) < 0)
		return sfx_fail("cannot mount the %s volume: %m", fstype);
	return 0;
}

/* The mount points, volumes and exposures; 0 or -1. */
static int
make_mount_points(void)
{
	int i;

	if (sfx_mkdir(env.host) < 0 || sfx_mkdir(env.volumes) < 0 ||
	    sfx_mkdir(env.tmpfs) < 0)
		return -1;
	for (i = 0; i < VOL_COUNT; i++)
		if (sfx_mkdir(env.vol[i]) < 0 || sfx_mkdir(env.expose[i]) < 0)
			return -1;
	return 0;
}

/*
 * Everything the root part needs: 0, or -1 after sfx_skip() or
 * sfx_fail().
 */
static int
prepare_root(void)
{
	char *mkfs_host[] = {"mkfs.xfs", "-q", "-f", "-m", "reflink=1",
			     env.host_img, NULL};
	char ext4_img[160], xfs_img[160];
	char *mkfs_ext4[] = {"mkfs.ext4", "-q", "-F", ext4_img, NULL};
	char *mkfs_xfs[] = {"mkfs.xfs", "-q", "-f", xfs_img, NULL};
	int i;

	if (sfx_private_namespace() < 0)
		return -1;
	if (!getenv("VSS_SOURCE_ROOT"))
		return sfx_fail("VSS_SOURCE_ROOT is not set "
				"(run it with meson test)");
	if (make_mount_points() < 0)
		return sfx_fail("cannot make mount points: %m");
	if (sfx_image_new(env.host_img, HOST_SIZE, mkfs_host) < 0 ||
	    sfx_loop_attach(env.host_img, env.host_dev,
			    sizeof(env.host_dev)) < 0)
		return -1;
	if (sfx_mount(env.host_dev, env.host, "xfs", 0, NULL) < 0)
		return sfx_fail("cannot mount the host xfs: %m");
	/* The loop device holds the file: nothing to leave behind. */
	unlink(env.host_img);
	if (sfx_mkdir(env.images) < 0)
		return sfx_fail("cannot make the image directory: %m");
	snprintf(ext4_img, sizeof(ext4_img), "%s/ext4.img", env.images);
	snprintf(xfs_img, sizeof(xfs_img), "%s/xfs.img", env.images);
	if (make_volume(VOL_EXT4, "ext4", ext4_img, mkfs_ext4) < 0 ||
	    make_volume(VOL_XFS, "xfs", xfs_img, mkfs_xfs) < 0)
		return -1;
	if (sfx_mount("tmpfs", env.tmpfs, "tmpfs", 0, "size=1m") < 0)
		return sfx_fail("cannot mount tmpfs: %m");
	/* A shadow copy a failed test left exposed. */
	for (i = 0; i < VOL_COUNT; i++)
		sfx_track_mount(env.expose[i]);
	return 0;
}

/* ---- helpers ---------------------------------------------------------- */

/* Write text as the configuration file and load it as vssd does. */
static int
load_conf(const char *text, struct config **ret)
{
	sfx_write_file(env.conf, text);
	return config_load(env.conf, ret);
}

static void
providers_free(struct provider **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		v[i]->ops->release(v[i]);
	free(v);
}

static const struct provider *
by_name(struct provider **v, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i]->name, name) == 0)
			return v[i];
	fail_msg("no provider '%s'", name);
	return NULL;
}

static const struct provider *
unit(const char *name)
{
	return by_name(unit_providers, unit_count, name);
}

static vss_id
id_of(const char *text)
{
	vss_id id;

	assert_int_equal(vss_id_parse(&id, text), 0);
	return id;
}

/* What list reported. */
struct listed {
	size_t n;
	vss_id id[8];
	char volume[8][128];
	char device[8][256];
};

static void
on_listed(void *arg, const vss_id *snapshot_id, const char *volume,
	  const char *device)
{
	struct listed *l = arg;

	assert_true(l->n < 8);
	l->id[l->n] = *snapshot_id;
	snprintf(l->volume[l->n], sizeof(l->volume[0]), "%s", volume);
	snprintf(l->device[l->n], sizeof(l->device[0]), "%s", device);
	l->n++;
}

/* The index of id in l, or -1. */
static int
listed_find(const struct listed *l, const vss_id *id)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (vss_id_equal(&l->id[i], id))
			return (int)i;
	return -1;
}

static char err[256];

/* ---- configuration, without root --------------------------------------- */

/*
 * The providers the command contract is tested with.  recorder logs the
 * arguments and environment of each command to <dir>/<op>.log.  The
 * volumes need not exist: no command here looks at them.
 */
static const char unit_conf_fmt[] =
	"[vssd]\n"
	"max_writers = 16\n"
	"\n"
	"[provider recorder]\n"
	"id = 0e7ba0f4-3b0e-4c1b-9f7e-6d3c2b1a0001\n"
	"version = 2.5\n"
	"version_id = 0e7ba0f4-3b0e-4c1b-9f7e-6d3c2b1a0002\n"
	"volumes = /nonexistent/*\n"
	"freeze = no\n"
	"is_supported = %1$s/rec \"$0\" \"$@\"\n"
	"prepare = %1$s/rec \"$0\" \"$@\"\n"
	"commit = %1$s/rec \"$0\" \"$@\"\n"
	"delete = %1$s/rec \"$0\" \"$@\"\n"
	"expose = %1$s/rec \"$0\" \"$@\"\n"
	"unexpose = %1$s/rec \"$0\" \"$@\"\n"
	"list = %1$s/rec \"$0\" \"$@\"\n"
	"abort = %1$s/rec \"$0\" \"$@\"   ; an inline comment\n"
	"\n"
	"# A hardware provider: first in the registry (PV-010).\n"
	"[provider failing]\n"
	"id = {0E7BA0F4-3B0E-4C1B-9F7E-6D3C2B1A0003}\n"
	"type = hardware\n"
	"volumes = /nonexistent/* /elsewhere/exact/\n"
	"is_supported = case \"$1\" in */yes) exit 0;; */err) echo \"cannot "
	"tell\" >&2; exit 2;; *) exit 1;; esac\n"
	"commit = echo working; echo \"pool is full\" >&2; exit 3\n"
	"delete = echo \"nothing to delete\" >&2; exit 3\n"
	"list = printf 'junk\\n%%s\\t/v\\t/dev/x\\nbad-id\\t/v\\t/d\\n\\n"
	"%%s\\trelative\\t/d\\n%%s\\t/v\\t\\n' "
	"6f1c0000-0000-4000-8000-000000000001 "
	"6f1c0000-0000-4000-8000-000000000002 "
	"6f1c0000-0000-4000-8000-000000000003\n"
	"\n"
	"[provider slow]\n"
	"id = 0e7ba0f4-3b0e-4c1b-9f7e-6d3c2b1a0004\n"
	"volumes = /nonexistent/*\n"
	/* A grandchild that only the test can reap (its parent is gone). */
	"commit = (sleep 30 & echo $! >%1$s/slow.pid); sleep 30\n"
	"commit_timeout_ms = 3000\n"
	"timeout_ms = 20000\n"
	"delete = exit 0\n"
	"list = echo \"list broke\" >&2; exit 1\n"
	"\n"
	"[provider minimal]\n"
	"id = 0e7ba0f4-3b0e-4c1b-9f7e-6d3c2b1a0005\n"
	"volumes = /srv/ /mnt/*\n"
	"commit = echo /dev/x\n"
	"unknown_key = ignored with a warning\n"
	"delete = exit 0\n"
	"\n"
	"[provider silent]\n"
	"id = 0e7ba0f4-3b0e-4c1b-9f7e-6d3c2b1a0006\n"
	"volumes = /nonexistent/*\n"
	"commit = echo \"made it\" >&2\n"
	"delete = exit 0\n";

static const char rec_script[] =
	"#!/bin/sh\n"
	"{ printf '%%s\\n' \"$@\"; echo --; env | LC_ALL=C sort; } "
	">%s/\"$VSS_OPERATION\".log\n"
	"echo \"warned $VSS_OPERATION\" >&2\n"
	"case $VSS_OPERATION in\n"
	"commit) echo said; echo \"/dev/shadow-$VSS_SNAPSHOT_ID\" ;;\n"
	"list) printf '%%s\\t%%s\\t%%s\\n' "
	"6f1c0000-0000-4000-8000-0000000000aa /nonexistent/vol /dev/aa ;;\n"
	"*) echo \"said $VSS_OPERATION\" ;;\n"
	"esac\n";

static void
write_unit_conf(void)
{
	char text[4096], script[1024];

	snprintf(script, sizeof(script), rec_script, env.dir);
	sfx_write_file(sfx_join(env.dir, "rec"), script);
	assert_int_equal(chmod(sfx_join(env.dir, "rec"), 0755), 0);
	snprintf(text, sizeof(text), unit_conf_fmt, env.dir);
	assert_int_equal(load_conf(text, &unit_conf), 0);
	assert_int_equal(exec_providers_new(unit_conf->exec_providers,
					    &unit_providers, &unit_count),
			 0);
}

/*
 * Provider commands run as root: a file naming them that others may
 * write is refused; the same file without providers is fine.
 */
static void
test_conf_trust(void **state)
{
	static const char text[] =
		"[provider p]\n"
		"id = 0e7ba0f4-3b0e-4c1b-9f7e-6d3c2b1a00f1\n"
		"volumes = /srv\ncommit = true\ndelete = true\n";
	struct config *c = NULL;

	(void)state;
	assert_int_equal(load_conf(text, &c), 0);
	config_free(c);
	c = NULL;
	assert_int_equal(chmod(env.conf, 0664), 0);
	assert_int_equal(config_load(env.conf, &c), -EPERM);
	assert_null(c);
	assert_int_equal(chmod(env.conf, 0646), 0);
	assert_int_equal(config_load(env.conf, &c), -EPERM);
	sfx_write_file(env.conf, "[vssd]\nmax_writers = 3\n");
	assert_int_equal(chmod(env.conf, 0666), 0);
	assert_int_equal(config_load(env.conf, &c), 0);
	config_free(c);
	assert_int_equal(chmod(env.conf, 0644), 0);
}

/* Keys, their defaults, and the ops present only when configured. */
static void
test_conf_providers(void **state)
{
	const struct provider *p;
	vss_id id;

	assert_int_equal(unit_count, 5);
	/* File order. */
	assert_string_equal(unit_providers[0]->name, "recorder");
	assert_string_equal(unit_providers[3]->name, "minimal");
	/* The [vssd] section is read alongside. */
	assert_int_equal(unit_conf->max_writers, 16);

	p = unit("recorder");
	id = id_of("0e7ba0f4-3b0e-4c1b-9f7e-6d3c2b1a0001");
	assert_true(vss_id_equal(&p->id, &id));
	assert_string_equal(p->version, "2.5");
	id = id_of("0e7ba0f4-3b0e-4c1b-9f7e-6d3c2b1a0002");
	assert_true(vss_id_equal(&p->version_id, &id));
	assert_int_equal(p->type, VSS_PROV_SOFTWARE);
	assert_false(p->commit_while_frozen);
	assert_false(p->can_seal);
	assert_non_null(p->ops->expose);
	assert_non_null(p->ops->unexpose);
	assert_non_null(p->ops->list);
	assert_null(p->ops->seal);

	p = unit("failing");
	assert_int_equal(p->type, VSS_PROV_HARDWARE);
	assert_true(p->commit_while_frozen);
	assert_null(p->ops->expose);
	assert_null(p->ops->unexpose);
	assert_non_null(p->ops->list);

	p = unit("minimal");
	assert_int_equal(p->type, VSS_PROV_SOFTWARE);
	assert_string_equal(p->version, "1");
	assert_true(vss_id_is_null(&p->version_id));
	assert_true(p->commit_while_frozen);
	assert_null(p->ops->expose);
	assert_null(p->ops->list);
	assert_non_null(p->ops->is_volume_supported);
	assert_non_null(p->ops->commit);
	assert_non_null(p->ops->abort);
	assert_non_null(p->ops->delete_snapshot);
	assert_non_null(p->ops->release);
}

/* PV-010: hardware, then software in file order, then btrfs. */
static void
test_registry_order(void **state)
{
	const struct provider *const *reg;
	const struct provider *chosen = NULL;
	vss_id id = id_of("0e7ba0f4-3b0e-4c1b-9f7e-6d3c2b1a0003");

	assert_int_equal(provider_registry_init(unit_conf), 0);
	reg = provider_registry();
	assert_string_equal(reg[0]->name, "failing");
	assert_string_equal(reg[1]->name, "recorder");
	assert_string_equal(reg[2]->name, "slow");
	assert_string_equal(reg[3]->name, "minimal");
	assert_string_equal(reg[4]->name, "silent");
	assert_ptr_equal(reg[5], &provider_btrfs);
	assert_null(reg[6]);
	assert_ptr_equal(provider_find(&id), reg[0]);

	/* failing says no (exit 1), so the next in order is asked. */
	assert_int_equal(provider_select("/nonexistent/vol", NULL, &chosen), 0);
	assert_ptr_equal(chosen, reg[1]);
	assert_int_equal(provider_select("/nonexistent/yes", NULL, &chosen), 0);
	assert_ptr_equal(chosen, reg[0]);
	assert_int_equal(provider_select("/nonexistent/vol", &id, &chosen),
			 VSS_E_VOLUME_NOT_SUPPORTED_BY_PROVIDER);
	provider_registry_release();
}

/* Every text fails to load, each for one reason. */
static void
test_conf_errors(void **state)
{
	static const char *const bad[] = {
		/* id missing, null, unreadable, the btrfs provider's */
		"[provider a]\nvolumes = /x\ncommit = c\ndelete = d\n",
		"[provider a]\nid = 00000000-0000-0000-0000-000000000000\n"
		"volumes = /x\ncommit = c\ndelete = d\n",
		"[provider a]\nid = nope\nvolumes = /x\ncommit = c\n"
		"delete = d\n",
		"[provider a]\nid = bbe97604-214d-4547-adc1-ca48143ab1e9\n"
		"volumes = /x\ncommit = c\ndelete = d\n",
		/* the same id twice */
		"[provider a]\nid = 11111111-2222-4333-8444-555555555555\n"
		"volumes = /x\ncommit = c\ndelete = d\n"
		"[provider b]\nid = 11111111-2222-4333-8444-555555555555\n"
		"volumes = /y\ncommit = c\ndelete = d\n",
		/* volumes missing, relative, empty */
		"[provider a]\nid = 11111111-2222-4333-8444-555555555555\n"
		"commit = c\ndelete = d\n",
		"[provider a]\nid = 11111111-2222-4333-8444-555555555555\n"
		"volumes = /x rel/*\ncommit = c\ndelete = d\n",
		"[provider a]\nid = 11111111-2222-4333-8444-555555555555\n"
		"volumes =\ncommit = c\ndelete = d\n",
		/* commit or delete missing, a command empty */
		"[provider a]\nid = 11111111-2222-4333-8444-555555555555\n"
		"volumes = /x\ndelete = d\n",
		"[provider a]\nid = 11111111-2222-4333-8444-555555555555\n"
		"volumes = /x\ncommit = c\n",
		"[provider a]\nid = 11111111-2222-4333-8444-555555555555\n"
		"volumes = /x\ncommit =\ndelete = d\n",
		/* expose and unexpose go together */
		"[provider a]\nid = 11111111-2222-4333-8444-555555555555\n"
		"volumes = /x\ncommit = c\ndelete = d\nexpose = e\n",
		"[provider a]\nid = 11111111-2222-4333-8444-555555555555\n"
		"volumes = /x\ncommit = c\ndelete = d\nunexpose = u\n",
		/* bad type, freeze, timeouts */
		"[provider a]\nid = 11111111-2222-4333-8444-555555555555\n"
		"volumes = /x\ncommit = c\ndelete = d\ntype = firmware\n",
		"[provider a]\nid = 11111111-2222-4333-8444-555555555555\n"
		"volumes = /x\ncommit = c\ndelete = d\nfreeze = maybe\n",
		"[provider a]\nid = 11111111-2222-4333-8444-555555555555\n"
		"volumes = /x\ncommit = c\ndelete = d\ntimeout_ms = 0\n",
		"[provider a]\nid = 11111111-2222-4333-8444-555555555555\n"
		"volumes = /x\ncommit = c\ndelete = d\n"
		"timeout_ms = 86400001\n",
		"[provider a]\nid = 11111111-2222-4333-8444-555555555555\n"
		"volumes = /x\ncommit = c\ndelete = d\n"
		"commit_timeout_ms = 10s\n",
		"[provider a]\nid = 11111111-2222-4333-8444-555555555555\n"
		"volumes = /x\ncommit = c\ndelete = d\n"
		"commit_timeout_ms = -1\n",
		/* a key twice, or continued on a second line */
		"[provider a]\nid = 11111111-2222-4333-8444-555555555555\n"
		"volumes = /x\ncommit = c\ndelete = d\ncommit = c2\n",
		"[provider a]\nid = 11111111-2222-4333-8444-555555555555\n"
		"volumes = /x\ncommit = c\n  more\ndelete = d\n",
		/* names */
		"[provider bad name]\n"
		"id = 11111111-2222-4333-8444-555555555555\n"
		"volumes = /x\ncommit = c\ndelete = d\n",
		"[provider btrfs]\nid = 11111111-2222-4333-8444-555555555555\n"
		"volumes = /x\ncommit = c\ndelete = d\n",
		"[provider ]\nid = 11111111-2222-4333-8444-555555555555\n"
		"volumes = /x\ncommit = c\ndelete = d\n",
	};
	struct config *c;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		c = (struct config *)&c;
		if (load_conf(bad[i], &c) >= 0)
			fail_msg("configuration %zu loaded:\n%s", i, bad[i]);
		assert_ptr_equal(c, (struct config *)&c);
	}
	/* A section given in two parts is one provider. */
	assert_int_equal(
		load_conf("[provider a]\nid = 11111111-2222-4333-8444-55555555"
			  "5555\nvolumes = /x\n[vssd]\nmax_writers = 3\n"
			  "[provider a]\ncommit = c\ndelete = d\n",
			  &c),
		0);
	config_free(c);
}

/* ---- the command contract, without root -------------------------------- */

/*
 * The log of op by recorder: its $0 "vss-provider-<op>", the arguments
 * args, then its environment vars.
 */
static void
expect_record(const char *op, const char *args, const char *vars)
{
	char log[32], want[2048];

	snprintf(log, sizeof(log), "%s.log", op);
	/* PWD: the shell's own, not given by vssd. */
	snprintf(want, sizeof(want),
		 "vss-provider-%s\n%s--\nPATH=/usr/sbin:/usr/bin:/sbin:/bin\n"
		 "PWD=/\n%s",
		 op, args, vars);
	assert_string_equal(sfx_read_file(sfx_join(env.dir, log)), want);
}

/* The log of op, prepare or commit, of the snapshot id of vol in set sid. */
static void
expect_set_record(const char *op, const char *vol, const char *id,
		  const char *sid)
{
	char args[512], vars[1024];

	snprintf(args, sizeof(args), "%s\n%s\n", vol, id);
	snprintf(vars, sizeof(vars),
		 "VSS_CONTEXT=0x00020000\nVSS_FSTYPE=\nVSS_OPERATION=%s\n"
		 "VSS_PROVIDER=recorder\nVSS_SNAPSHOT_ID=%s\n"
		 "VSS_SNAPSHOT_SET_ID=%s\nVSS_VOLUME=%s\nVSS_VOLUME_DEVICE=\n",
		 op, id, sid, vol);
	expect_record(op, args, vars);
}

/*
 * The log of op, expose or unexpose, of the shadow copy "/dev/shadow-<id>"
 * of the snapshot id of vol at /nonexistent/at.
 */
static void
expect_at_record(const char *op, const char *vol, const char *id)
{
	char args[512], vars[1024];

	snprintf(args, sizeof(args),
		 "%s\n%s\n/dev/shadow-%s\n/nonexistent/at\n", vol, id, id);
	snprintf(vars, sizeof(vars),
		 "VSS_EXPOSE_PATH=/nonexistent/at\nVSS_FSTYPE=\n"
		 "VSS_OPERATION=%s\nVSS_PROVIDER=recorder\n"
		 "VSS_SHADOW=/dev/shadow-%s\nVSS_SNAPSHOT_ID=%s\n"
		 "VSS_VOLUME=%s\nVSS_VOLUME_DEVICE=\n",
		 op, id, id, vol);
	expect_record(op, args, vars);
}

/*
 * Every operation of recorder, with exactly the arguments and environment
 * the documentation gives, on a volume that is not mounted (its device
 * and type are then empty).
 */
static void
test_command_contract(void **state)
{
	const struct provider *p = unit("recorder");
	const char *const vols[] = {"/nonexistent/vol", "/nonexistent/b"};
	struct provider_snapshot snaps[2], bare;
	struct provider_set set;
	char id[2][VSS_ID_STRLEN], sid[VSS_ID_STRLEN], args[512], vars[1024];
	char dev[96];
	struct listed l = {0};
	vss_timestamp t0, t1;
	bool yes = false;
	vss_id want;
	size_t i;

	pset_init(&set, snaps, vols, 2,
		  VSS_CTX_BACKUP | VSS_VOLSNAP_ATTR_DIFFERENTIAL);
	for (i = 0; i < 2; i++)
		vss_id_format(&snaps[i].snapshot_id, id[i]);
	vss_id_format(&set.set_id, sid);

	assert_int_equal(p->ops->is_volume_supported(p, vols[0], &yes), 0);
	assert_true(yes);
	expect_record("is_supported", "/nonexistent/vol\n",
		      "VSS_FSTYPE=\nVSS_OPERATION=is_supported\n"
		      "VSS_PROVIDER=recorder\nVSS_VOLUME=/nonexistent/vol\n"
		      "VSS_VOLUME_DEVICE=\n");

	assert_int_equal(p->ops->begin_prepare(p, &set, &snaps[0]), 0);
	expect_set_record("prepare", vols[0], id[0], sid);

	t0 = provider_timestamp_now();
	assert_int_equal(p->ops->commit(p, &set), 0);
	t1 = provider_timestamp_now();
	for (i = 0; i < 2; i++) {
		/* The last line of stdout. */
		snprintf(dev, sizeof(dev), "/dev/shadow-%s", id[i]);
		assert_string_equal(snaps[i].device, dev);
		assert_true(snaps[i].created >= t0 && snaps[i].created <= t1);
		/* Its output waits for post_commit, after the thaw. */
		assert_non_null(snaps[i].priv);
	}
	expect_set_record("commit", vols[1], id[1], sid);
	assert_int_equal(p->ops->post_commit(p, &set), 0);
	assert_null(snaps[0].priv);
	assert_null(snaps[1].priv);
	/* Committed already. */
	assert_int_equal(p->ops->commit(p, &set), VSS_E_BAD_STATE);

	assert_int_equal(p->ops->expose(p, &snaps[0], "/nonexistent/at", err,
					sizeof(err)),
			 0);
	expect_at_record("expose", vols[0], id[0]);
	assert_int_equal(p->ops->unexpose(p, &snaps[0], "/nonexistent/at", err,
					  sizeof(err)),
			 0);
	expect_at_record("unexpose", vols[0], id[0]);

	assert_int_equal(p->ops->list(p, on_listed, &l, err, sizeof(err)), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.volume[0], "/nonexistent/vol");
	assert_string_equal(l.device[0], "/dev/aa");
	want = id_of("6f1c0000-0000-4000-8000-0000000000aa");
	assert_int_equal(listed_find(&l, &want), 0);
	expect_record("list", "",
		      "VSS_OPERATION=list\nVSS_PROVIDER=recorder\n");

	assert_int_equal(p->ops->delete_snapshot(p, &snaps[0], err,
						 sizeof(err)),
			 0);
	snprintf(args, sizeof(args), "%s\n%s\n%s\n", vols[0], id[0],
		 snaps[0].device);
	snprintf(vars, sizeof(vars),
		 "VSS_FSTYPE=\nVSS_OPERATION=delete\nVSS_PROVIDER=recorder\n"
		 "VSS_SHADOW=%s\nVSS_SNAPSHOT_ID=%s\n"
		 "VSS_VOLUME=%s\nVSS_VOLUME_DEVICE=\n",
		 snaps[0].device, id[0], vols[0]);
	expect_record("delete", args, vars);
	/* Not knowing the device: an empty one, for the command to find. */
	bare = snaps[0];
	bare.device = NULL;
	assert_int_equal(p->ops->delete_snapshot(p, &bare, err, sizeof(err)),
			 0);
	snprintf(args, sizeof(args), "%s\n%s\n\n", vols[0], id[0]);
	snprintf(vars, sizeof(vars),
		 "VSS_FSTYPE=\nVSS_OPERATION=delete\nVSS_PROVIDER=recorder\n"
		 "VSS_SHADOW=\nVSS_SNAPSHOT_ID=%s\n"
		 "VSS_VOLUME=%s\nVSS_VOLUME_DEVICE=\n",
		 id[0], vols[0]);
	expect_record("delete", args, vars);

	/* The abort command runs for every snapshot of the set. */
	assert_int_equal(p->ops->abort(p, &set), 0);
	assert_null(snaps[0].device);
	assert_null(snaps[1].device);
	assert_int_equal(snaps[1].created, 0);
	snprintf(args, sizeof(args), "%s\n%s\n/dev/shadow-%s\n", vols[1],
		 id[1], id[1]);
	snprintf(vars, sizeof(vars),
		 "VSS_CONTEXT=0x00020000\nVSS_FSTYPE=\n"
		 "VSS_OPERATION=abort\nVSS_PROVIDER=recorder\n"
		 "VSS_SHADOW=/dev/shadow-%s\nVSS_SNAPSHOT_ID=%s\n"
		 "VSS_SNAPSHOT_SET_ID=%s\nVSS_VOLUME=%s\n"
		 "VSS_VOLUME_DEVICE=\n",
		 id[1], id[1], sid, vols[1]);
	expect_record("abort", args, vars);
	pset_release(&set);

	assert_int_equal(p->ops->begin_prepare(p, NULL, &snaps[0]), -EINVAL);
	assert_int_equal(p->ops->commit(p, NULL), -EINVAL);
	assert_int_equal(p->ops->is_volume_supported(p, NULL, &yes), -EINVAL);
}

/* is_supported: globs first, then exit 0 yes, 1 no, anything else fails. */
static void
test_is_supported(void **state)
{
	const struct provider *f = unit("failing"), *m = unit("minimal");
	bool yes = false;

	assert_int_equal(f->ops->is_volume_supported(f, "/nonexistent/yes",
						     &yes),
			 0);
	assert_true(yes);
	assert_int_equal(f->ops->is_volume_supported(f, "/nonexistent/no",
						     &yes),
			 0);
	assert_false(yes);
	yes = true;
	assert_int_equal(f->ops->is_volume_supported(f, "/nonexistent/err",
						     &yes),
			 VSS_E_PROVIDER_VETO);
	assert_true(yes);
	/* "/elsewhere/exact/": the trailing '/' does not count. */
	assert_int_equal(f->ops->is_volume_supported(f, "/elsewhere/exact",
						     &yes),
			 0);
	assert_false(yes);
	/* Outside every glob, without asking the command. */
	yes = true;
	assert_int_equal(f->ops->is_volume_supported(f, "/other", &yes), 0);
	assert_false(yes);

	/* No command: the globs alone, '*' within one path component. */
	assert_int_equal(m->ops->is_volume_supported(m, "/srv", &yes), 0);
	assert_true(yes);
	assert_int_equal(m->ops->is_volume_supported(m, "/mnt/a", &yes), 0);
	assert_true(yes);
	assert_int_equal(m->ops->is_volume_supported(m, "/mnt/a/b", &yes), 0);
	assert_false(yes);
	assert_int_equal(m->ops->is_volume_supported(m, "/mnt", &yes), 0);
	assert_false(yes);
	assert_int_equal(m->ops->is_volume_supported(m, "/srv/x", &yes), 0);
	assert_false(yes);
}

/*
 * A commit command that fails vetoes with its last stderr line; the
 * snapshots after it are not tried; abort deletes what a failed commit
 * may have left, and "no such shadow copy" (exit 3) counts as deleted.
 */
static void
test_commit_veto(void **state)
{
	const struct provider *p = unit("failing");
	const char *const vols[] = {"/nonexistent/a", "/nonexistent/b"};
	struct provider_snapshot snaps[2];
	struct provider_set set;
	char id[VSS_ID_STRLEN], want[256];

	pset_init(&set, snaps, vols, 2, VSS_CTX_BACKUP);
	assert_int_equal(p->ops->commit(p, &set), VSS_E_PROVIDER_VETO);
	assert_string_equal(set.error, "commit of '/nonexistent/a' failed "
				       "with exit status 3: pool is full");
	assert_null(snaps[0].device);
	assert_null(snaps[1].device);
	/* Its output is kept for the log; the second was never run. */
	assert_non_null(snaps[0].priv);
	assert_null(snaps[1].priv);
	set.error[0] = '\0';
	assert_int_equal(p->ops->abort(p, &set), 0);
	assert_string_equal(set.error, "");
	assert_null(snaps[0].priv);

	vss_id_format(&snaps[0].snapshot_id, id);
	assert_int_equal(p->ops->delete_snapshot(p, &snaps[0], err,
						 sizeof(err)),
			 VSS_E_OBJECT_NOT_FOUND);
	snprintf(want, sizeof(want),
		 "delete of '/nonexistent/a': no shadow copy %s: nothing to "
		 "delete",
		 id);
	assert_string_equal(err, want);
	pset_release(&set);

	/* Success with no shadow copy printed is no success. */
	p = unit("silent");
	pset_init(&set, snaps, vols, 1, VSS_CTX_BACKUP);
	assert_int_equal(p->ops->commit(p, &set), VSS_E_PROVIDER_VETO);
	assert_string_equal(set.error, "commit of '/nonexistent/a' printed no "
				       "shadow copy as its last line");
	assert_null(snaps[0].device);
	assert_int_equal(p->ops->abort(p, &set), 0);
	pset_release(&set);
}

/*
 * A command past its deadline is killed with its whole process group and
 * reported as timed out.
 */
static void
test_commit_timeout(void **state)
{
	const struct provider *p = unit("slow");
	const char *const vols[] = {"/nonexistent/a"};
	struct provider_snapshot snap;
	struct provider_set set;
	pid_t pid;

	pset_init(&set, &snap, vols, 1, VSS_CTX_BACKUP);
	assert_int_equal(p->ops->commit(p, &set), VSS_E_PROVIDER_VETO);
	assert_string_equal(set.error, "commit of '/nonexistent/a' timed out "
				       "after 3000 ms");
	assert_null(snap.device);
	pid = (pid_t)atoi(sfx_read_file(sfx_join(env.dir, "slow.pid")));
	assert_true(pid > 0);
	sfx_expect_killed(pid);
	unlink(sfx_join(env.dir, "slow.pid"));
	assert_int_equal(p->ops->abort(p, &set), 0);
	pset_release(&set);
}

/* list: malformed lines are skipped and counted; a failure is a veto. */
static void
test_list(void **state)
{
	const struct provider *f = unit("failing"), *s = unit("slow");
	struct listed l = {0};
	vss_id want;

	assert_int_equal(f->ops->list(f, on_listed, &l, err, sizeof(err)), 0);
	assert_int_equal(l.n, 1);
	want = id_of("6f1c0000-0000-4000-8000-000000000001");
	assert_int_equal(listed_find(&l, &want), 0);
	assert_string_equal(l.volume[0], "/v");
	assert_string_equal(l.device[0], "/dev/x");
	assert_string_equal(err, "list: 4 malformed lines skipped");

	l.n = 0;
	assert_int_equal(s->ops->list(s, on_listed, &l, err, sizeof(err)),
			 VSS_E_PROVIDER_VETO);
	assert_string_equal(err, "list failed with exit status 1: list broke");
	assert_int_equal(l.n, 0);
	assert_null(unit("minimal")->ops->list);
}

/* ---- the example provider, with root ----------------------------------- */

static const struct provider *
example(void)
{
	return by_name(example_providers, example_count, "reflink-image");
}

/* text with every from replaced by to; caller frees. */
static char *
replace(const char *text, const char *from, const char *to)
{
	size_t n = 0, flen = strlen(from), tlen = strlen(to);
	const char *p, *hit;
	char *out, *o;

	for (p = text; (hit = strstr(p, from)); p = hit + flen)
		n++;
	out = malloc(strlen(text) + n * tlen + 1);
	assert_non_null(out);
	o = out;
	for (p = text; (hit = strstr(p, from)); p = hit + flen) {
		memcpy(o, p, (size_t)(hit - p));
		o += hit - p;
		memcpy(o, to, tlen);
		o += tlen;
	}
	strcpy(o, p);
	return out;
}

/*
 * examples/exec-provider/vss.conf as it is, but for the paths of the
 * scripts, the images and the volumes.
 */
static void
load_example(void)
{
	char scripts[512], *a, *b, *c;

	snprintf(scripts, sizeof(scripts), "%s/examples/exec-provider",
		 getenv("VSS_SOURCE_ROOT"));
	a = replace(sfx_read_file(sfx_join(scripts, "vss.conf")),
		    EXAMPLE_SCRIPTS, scripts);
	b = replace(a, EXAMPLE_IMAGES, env.images);
	c = replace(b, EXAMPLE_VOLUMES, env.volumes);
	assert_int_equal(load_conf(c, &example_conf), 0);
	free(a);
	free(b);
	free(c);
	assert_int_equal(exec_providers_new(example_conf->exec_providers,
					    &example_providers,
					    &example_count),
			 0);
	assert_int_equal(example_count, 1);
}

/* FIFREEZE the volumes, as vssd does around a commit_while_frozen commit. */
static void
freeze_volumes(void)
{
	int i, fd;

	for (i = 0; i < VOL_COUNT; i++) {
		fd = open(env.vol[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		assert_true(fd >= 0);
		if (ioctl(fd, FIFREEZE, 0) < 0) {
			close(fd);
			fail_msg("cannot freeze '%s': %s", env.vol[i],
				 strerror(errno));
		}
		env.frozen_fd[i] = fd;
	}
}

static void
thaw_volumes(void)
{
	int i;

	for (i = 0; i < VOL_COUNT; i++)
		thaw(i);
}

/*
 * A commit command that writes to a frozen volume sleeps uninterruptibly
 * until the thaw, past its own deadline (SIGKILL waits too): vssd's
 * watchdog thaws then, and so does this one, so that such a commit fails
 * as timed out instead of hanging the test.
 */
static void
on_alarm(int sig)
{
	thaw(VOL_EXT4);
	thaw(VOL_XFS);
}

/* Prepare and commit the set with its volumes frozen, then post-commit. */
static int
create_set(const struct provider *p, struct provider_set *set)
{
	int r;

	r = pset_prepare(p, set);
	if (r < 0)
		return r;
	signal(SIGALRM, on_alarm);
	freeze_volumes();
	/* Well past the example's commit_timeout_ms. */
	alarm(30);
	r = p->ops->commit(p, set);
	alarm(0);
	thaw_volumes();
	if (r < 0)
		return r;
	return p->ops->post_commit(p, set);
}

/* Where commit puts the shadow copy of snap. */
static const char *
copy_path(const struct provider_snapshot *snap)
{
	static char path[256];
	char id[VSS_ID_STRLEN];

	vss_id_format(&snap->snapshot_id, id);
	snprintf(path, sizeof(path), "%s/.vss-shadows/%s.img", env.images, id);
	return path;
}

static void
test_example_conf(void **state)
{
	const struct provider *p;
	vss_id id = id_of("8b42cf15-46a3-4ce8-88a1-3ccc336384ad");

	sfx_require();
	p = example();
	assert_true(vss_id_equal(&p->id, &id));
	assert_int_equal(p->type, VSS_PROV_SOFTWARE);
	assert_string_equal(p->version, "1");
	assert_true(p->commit_while_frozen);
	assert_non_null(p->ops->expose);
	assert_non_null(p->ops->unexpose);
	assert_non_null(p->ops->list);
}

/* Loop-backed ext4 and xfs under the volumes glob, and nothing else. */
static void
test_example_supported(void **state)
{
	const struct provider *p, *chosen = NULL;
	bool yes;
	int i;

	sfx_require();
	p = example();
	for (i = 0; i < VOL_COUNT; i++) {
		yes = false;
		assert_int_equal(p->ops->is_volume_supported(p, env.vol[i],
							     &yes),
				 0);
		assert_true(yes);
	}
	/* Under the glob, but tmpfs: the script says no. */
	assert_int_equal(p->ops->is_volume_supported(p, env.tmpfs, &yes), 0);
	assert_false(yes);
	/* Outside the glob. */
	yes = true;
	assert_int_equal(p->ops->is_volume_supported(p, env.host, &yes), 0);
	assert_false(yes);

	/* vssd's choice (PV-010): before btrfs, which would say no anyway. */
	assert_int_equal(provider_registry_init(example_conf), 0);
	assert_int_equal(provider_select(env.vol[VOL_EXT4], NULL, &chosen), 0);
	assert_string_equal(chosen->name, "reflink-image");
	assert_int_equal(provider_select(env.tmpfs, NULL, &chosen),
			 VSS_E_VOLUME_NOT_SUPPORTED);
	provider_registry_release();
}

/* The read-only mount at dir holds the volume as it was at commit. */
static void
expect_exposed(const char *dir)
{
	struct statvfs sv;

	assert_string_equal(sfx_read_file(sfx_join(dir, "before")), "old");
	assert_string_equal(sfx_read_file(sfx_join(dir, "changed")), "old");
	sfx_expect_absent(sfx_join(dir, "after"));
	/* PV-041, SN-032: read-only. */
	assert_int_equal(statvfs(dir, &sv), 0);
	assert_true(sv.f_flag & ST_RDONLY);
	assert_int_equal(
	    open(sfx_join(dir, "new"), O_WRONLY | O_CREAT | O_CLOEXEC, 0600),
	    -1);
	assert_int_equal(errno, EROFS);
}

/*
 * A set of an ext4 and an xfs volume, committed while both are frozen:
 * each shadow copy holds what was written before (unsynced: the freeze
 * flushed it) and not what came after, shows read-only where it is
 * exposed, is listed, and is deleted.
 */
static void
test_example_lifecycle(void **state)
{
	const struct provider *p;
	const char *vols[VOL_COUNT];
	struct provider_snapshot snaps[VOL_COUNT];
	struct provider_set set;
	struct listed l = {0};
	vss_timestamp t0, t1;
	struct stat st;
	int i, k;

	sfx_require();
	p = example();
	for (i = 0; i < VOL_COUNT; i++) {
		vols[i] = env.vol[i];
		sfx_write_file(sfx_join(vols[i], "before"), "old");
		sfx_write_file(sfx_join(vols[i], "changed"), "old");
	}
	pset_init(&set, snaps, vols, VOL_COUNT, VSS_CTX_BACKUP);
	t0 = provider_timestamp_now();
	if (create_set(p, &set) < 0)
		fail_msg("set not created: %s", set.error);
	t1 = provider_timestamp_now();
	for (i = 0; i < VOL_COUNT; i++) {
		assert_non_null(snaps[i].device);
		assert_string_equal(snaps[i].device, copy_path(&snaps[i]));
		assert_int_equal(stat(snaps[i].device, &st), 0);
		assert_true(S_ISREG(st.st_mode));
		assert_true(snaps[i].created >= t0 && snaps[i].created <= t1);
		sfx_write_file(sfx_join(vols[i], "after"), "new");
		sfx_write_file(sfx_join(vols[i], "changed"), "new");
	}

	for (i = 0; i < VOL_COUNT; i++) {
		if (p->ops->expose(p, &snaps[i], env.expose[i], err,
				   sizeof(err)) < 0)
			fail_msg("expose: %s", err);
		expect_exposed(env.expose[i]);
		if (p->ops->unexpose(p, &snaps[i], env.expose[i], err,
				     sizeof(err)) < 0)
			fail_msg("unexpose: %s", err);
		sfx_expect_absent(sfx_join(env.expose[i], "before"));
		/* Nothing is mounted there any more. */
		assert_int_equal(p->ops->unexpose(p, &snaps[i], env.expose[i],
						  err, sizeof(err)),
				 VSS_E_PROVIDER_VETO);
	}

	assert_int_equal(p->ops->list(p, on_listed, &l, err, sizeof(err)), 0);
	assert_int_equal(l.n, VOL_COUNT);
	for (i = 0; i < VOL_COUNT; i++) {
		k = listed_find(&l, &snaps[i].snapshot_id);
		assert_true(k >= 0);
		assert_string_equal(l.volume[k], vols[i]);
		assert_string_equal(l.device[k], snaps[i].device);
	}

	for (i = 0; i < VOL_COUNT; i++) {
		if (p->ops->delete_snapshot(p, &snaps[i], err, sizeof(err)) < 0)
			fail_msg("delete: %s", err);
		sfx_expect_absent(snaps[i].device);
		assert_int_equal(p->ops->delete_snapshot(p, &snaps[i], err,
							 sizeof(err)),
				 VSS_E_OBJECT_NOT_FOUND);
	}
	l.n = 0;
	assert_int_equal(p->ops->list(p, on_listed, &l, err, sizeof(err)), 0);
	assert_int_equal(l.n, 0);
	pset_release(&set);
	for (i = 0; i < VOL_COUNT; i++) {
		unlink(sfx_join(vols[i], "before"));
		unlink(sfx_join(vols[i], "changed"));
		unlink(sfx_join(vols[i], "after"));
	}
}

/* Abort deletes what commit made (PV-020); a second abort has no work. */
static void
test_example_abort(void **state)
{
	const struct provider *p;
	const char *vols[] = {env.vol[VOL_EXT4]};
	struct provider_snapshot snap;
	struct provider_set set;
	struct listed l = {0};
	char device[256];

	sfx_require();
	p = example();
	pset_init(&set, &snap, vols, 1, VSS_CTX_BACKUP);
	if (create_set(p, &set) < 0)
		fail_msg("set not created: %s", set.error);
	snprintf(device, sizeof(device), "%s", snap.device);
	assert_int_equal(p->ops->abort(p, &set), 0);
	assert_null(snap.device);
	sfx_expect_absent(device);
	assert_int_equal(p->ops->list(p, on_listed, &l, err, sizeof(err)), 0);
	assert_int_equal(listed_find(&l, &snap.snapshot_id), -1);
	assert_int_equal(p->ops->abort(p, &set), 0);
	pset_release(&set);
}

/*
 * What the scripts refuse: plex or transportable contexts (PV-040), a
 * volume not on a loop device, and deleting a file that is not theirs.
 * A delete without the device finds the shadow copy by its id.
 */
static void
test_example_refusals(void **state)
{
	const struct provider *p;
	const char *vols[] = {env.vol[VOL_EXT4]};
	const char *tmpfs[] = {env.tmpfs};
	struct provider_snapshot snap, bare;
	struct provider_set set;
	char want[512], *device;
	const char *victim;

	sfx_require();
	p = example();
	pset_init(&set, &snap, vols, 1,
		  VSS_CTX_BACKUP | VSS_VOLSNAP_ATTR_PLEX);
	assert_int_equal(p->ops->begin_prepare(p, &set, &snap),
			 VSS_E_PROVIDER_VETO);
	snprintf(want, sizeof(want),
		 "prepare of '%s' failed with exit status 1: a clone of '%s' "
		 "can be neither plex nor transportable",
		 vols[0], vols[0]);
	assert_string_equal(set.error, want);
	pset_release(&set);

	pset_init(&set, &snap, tmpfs, 1, VSS_CTX_BACKUP);
	assert_int_equal(p->ops->commit(p, &set), VSS_E_PROVIDER_VETO);
	snprintf(want, sizeof(want),
		 "commit of '%s' failed with exit status 1: '%s' is on "
		 "'tmpfs', not a loop device",
		 tmpfs[0], tmpfs[0]);
	assert_string_equal(set.error, want);
	assert_int_equal(p->ops->abort(p, &set), 0);
	pset_release(&set);

	pset_init(&set, &snap, vols, 1, VSS_CTX_BACKUP);
	if (create_set(p, &set) < 0)
		fail_msg("set not created: %s", set.error);
	device = strdup(snap.device);
	assert_non_null(device);
	bare = snap;
	bare.device = NULL;
	/* Not its own: refused, left alone. */
	victim = sfx_join(env.images, "victim");
	sfx_write_file(victim, "keep me");
	bare.device = (char *)victim;
	assert_int_equal(p->ops->delete_snapshot(p, &bare, err, sizeof(err)),
			 VSS_E_PROVIDER_VETO);
	assert_string_equal(sfx_read_file(victim), "keep me");
	assert_int_equal(unlink(victim), 0);
	/* Unknown device: found where commit puts it. */
	bare.device = NULL;
	if (p->ops->delete_snapshot(p, &bare, err, sizeof(err)) < 0)
		fail_msg("delete: %s", err);
	sfx_expect_absent(device);
	assert_int_equal(p->ops->delete_snapshot(p, &bare, err, sizeof(err)),
			 VSS_E_OBJECT_NOT_FOUND);
	free(device);
	pset_release(&set);
}

/* ---- main -------------------------------------------------------------- */

static int
group_setup(void **state)
{
	/* Orphans of the commands come to us (sfx_expect_killed). */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		return sfx_fail("cannot become a child subreaper: %m");
	sfx_init();
	sfx_at_cleanup(thaw_volumes);
	if (make_dir() < 0)
		return sfx_fail("cannot make a temporary directory: %m");
	make_paths();
	write_unit_conf();
	if (prepare_root() < 0)
		return sfx_setup_status(-1);
	load_example();
	return 0;
}

static int
group_teardown(void **state)
{
	providers_free(unit_providers, unit_count);
	providers_free(example_providers, example_count);
	config_free(unit_conf);
	config_free(example_conf);
	sfx_cleanup();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conf_providers),
		cmocka_unit_test(test_conf_trust),
		cmocka_unit_test(test_registry_order),
		cmocka_unit_test(test_conf_errors),
		cmocka_unit_test(test_command_contract),
		cmocka_unit_test(test_is_supported),
		cmocka_unit_test(test_commit_veto),
		cmocka_unit_test(test_commit_timeout),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_example_conf),
		cmocka_unit_test(test_example_supported),
		cmocka_unit_test(test_example_lifecycle),
		cmocka_unit_test(test_example_abort),
		cmocka_unit_test(test_example_refusals),
	};

	return sfx_exit_status(
		cmocka_run_group_tests(tests, group_setup, group_teardown),
		"the example provider on real file systems");
}
