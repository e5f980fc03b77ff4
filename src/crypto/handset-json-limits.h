/* handset-json-limits.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Deeper than any Matrix answer is; json-glib's parser recurses once per
 * level and runs out of stack some 100 000 levels down. */
#define HANDSET_JSON_MAX_DEPTH 256

gboolean handset_json_depth_ok (const char *data, gsize length, guint max_depth);

G_END_DECLS
