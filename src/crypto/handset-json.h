/* handset-json.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Deeper than any Matrix answer is; json-glib's parser recurses once per
 * level and runs out of stack some 100 000 levels down. */
#define HANDSET_JSON_MAX_DEPTH 256

gboolean handset_json_depth_ok (const char *data, gsize length, guint max_depth);

/* Members of remote JSON, read without trusting their type: NULL (or
 * FALSE) for a missing member or one of another type. */
const char *handset_json_get_string (JsonObject *object, const char *member);
JsonObject *handset_json_get_object (JsonObject *object, const char *member);
gboolean handset_json_get_int (JsonObject *object, const char *member, gint64 *value);

G_END_DECLS
