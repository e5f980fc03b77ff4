/* handset-ringtone.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define HANDSET_TYPE_RINGTONE (handset_ringtone_get_type ())
G_DECLARE_FINAL_TYPE (HandsetRingtone, handset_ringtone, HANDSET, RINGTONE, GObject)

void handset_ringtone_play (HandsetRingtone *self);
void handset_ringtone_stop (HandsetRingtone *self);
gboolean handset_ringtone_is_playing (HandsetRingtone *self);

G_END_DECLS
