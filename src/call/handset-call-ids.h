/* handset-call-ids.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define HANDSET_PARTY_ID_LENGTH       8
#define HANDSET_CALL_ID_RANDOM_LENGTH 16

gboolean handset_call_id_is_valid (const char *id);
char *handset_call_id_generate (gint64 now_ms);
char *handset_party_id_generate (void);
char *handset_party_id_for_device (const char *device_id);

G_END_DECLS
