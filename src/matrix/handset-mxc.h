/* handset-mxc.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean handset_mxc_parse (const char *uri, char **server_name, char **media_id);
char *handset_mxc_thumbnail_key (const char *uri, int width, int height);
char *handset_mxc_thumbnail_file_name (const char *uri, int width, int height);

G_END_DECLS
