/* handset-preferences-relay.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "handset-secret-store.h"

G_BEGIN_DECLS

GtkWidget *handset_preferences_relay_group (GSettings *settings,
                                            HandsetSecretStore *secrets,
                                            AdwPreferencesWindow *window);

G_END_DECLS
