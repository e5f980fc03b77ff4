/* handset-ringtone-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gst/gst.h>

#include "handset-ringtone.h"

G_BEGIN_DECLS

HandsetRingtone *handset_ringtone_new (GstElement *sink);

G_END_DECLS
