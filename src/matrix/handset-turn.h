/* handset-turn.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "handset-matrix-client.h"

G_BEGIN_DECLS

#define HANDSET_TYPE_TURN (handset_turn_get_type ())
G_DECLARE_FINAL_TYPE (HandsetTurn, handset_turn, HANDSET, TURN, GObject)

HandsetTurn *handset_turn_new (HandsetMatrixClient *client);

void handset_turn_start (HandsetTurn *self);
void handset_turn_stop (HandsetTurn *self);
gboolean handset_turn_has_servers (HandsetTurn *self);
gboolean handset_turn_is_known (HandsetTurn *self);
const char *const *handset_turn_get_uris (HandsetTurn *self);
const char *handset_turn_get_username (HandsetTurn *self);
const char *handset_turn_get_password (HandsetTurn *self);
guint handset_turn_get_ttl (HandsetTurn *self);
guint handset_turn_get_refresh_count (HandsetTurn *self);

guint handset_turn_refresh_delay_ms (guint ttl_s);

G_END_DECLS
