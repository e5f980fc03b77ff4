/* handset-sync-json.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

JsonNode *handset_sync_json_parse (const char *data,
                                   gsize length,
                                   guint max_depth,
                                   const char *const *skip,
                                   guint skip_depth,
                                   gboolean *too_deep,
                                   gsize *error_offset);

G_END_DECLS
