/*
 * tools/test-writer/components.h - what vss-test-writer reads from and
 * writes into its part of the backup components document in the events:
 * the backup metadata it saves in post_snapshot, the restore target,
 * directed targets and restore metadata it sets in pre_restore, the
 * pre/post-restore failure messages, and the detail lists of its event
 * log (docs/vss-test-writer.md).
 */
#ifndef TW_COMPONENTS_H
#define TW_COMPONENTS_H

#include <stdbool.h>
#include <stddef.h>

#include <vss/metadata.h>

#include "config.h"

/* Append "key=value" to a detail field of comma-separated pairs. */
void tw_detail_add(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * post_snapshot: the configured backup_metadata of each component of w
 * (VSS_TEXT_BACKUP_METADATA, RS-103).  w may be NULL (not in component
 * mode).  0 or a negative status.
 */
int tw_components_post_snapshot(const struct tw_config *cfg,
				vss_bcd_writer *w);

/*
 * pre_restore: on each component of w that takes part in the restore
 * (selected, or holding restore subcomponents), the configured restore
 * target, directed targets and restore metadata (RS-060, RS-090,
 * RS-103).  0 or a negative status.
 */
int tw_components_pre_restore(const struct tw_config *cfg, vss_bcd_writer *w);

/*
 * The failure message of a failed pre_restore or post_restore
 * (VSS_TEXT_PRE_RESTORE_FAILURE_MSG / POST_..., RS-112) on each component
 * of w that takes part in the restore.  Best effort: nothing to report.
 */
void tw_components_restore_failure(vss_bcd_writer *w, bool post,
				   const char *message);

/* backup_complete: succeeded=LP/NAME:1;... (BK-018). */
void tw_components_backup_complete_detail(vss_bcd_writer *w, char *detail,
					  size_t size);

/*
 * pre_restore and post_restore: restore_type= and the lists of what the
 * document says about the components taking part (selected=,
 * subcomponents=, authoritative=, ...; file_status= only when post).
 */
void tw_components_restore_detail(vss_bcd_writer *w,
				  enum vss_restore_type type, bool post,
				  char *detail, size_t size);

#endif
