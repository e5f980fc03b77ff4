/* handset-preferences.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "handset-background-portal.h"
#include "handset-media-devices.h"
#include "handset-recovery.h"
#include "handset-secret-store.h"

G_BEGIN_DECLS

GtkWidget *handset_preferences_new (GSettings *settings,
                                    HandsetMediaDevices *devices,
                                    HandsetBackgroundPortal *background_portal,
                                    HandsetRecovery *recovery,
                                    HandsetSecretStore *secrets);

G_END_DECLS
