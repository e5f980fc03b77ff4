/* handset-ice-server.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum
{
  HANDSET_ICE_SERVER_STUN,
  HANDSET_ICE_SERVER_TURN,
} HandsetIceServerKind;

gboolean handset_ice_server_parse (const char *uri, HandsetIceServerKind *kind, GError **error);
char *handset_ice_server_stun_uri (const char *uri);

G_END_DECLS
