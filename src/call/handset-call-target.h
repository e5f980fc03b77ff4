/* handset-call-target.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

char *handset_call_target_parse (const char *target, gboolean *is_room, GError **error);

G_END_DECLS
