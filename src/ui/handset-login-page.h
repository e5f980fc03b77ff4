/* handset-login-page.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "handset-account.h"

G_BEGIN_DECLS

#define HANDSET_TYPE_LOGIN_PAGE (handset_login_page_get_type ())
G_DECLARE_FINAL_TYPE (HandsetLoginPage, handset_login_page, HANDSET, LOGIN_PAGE, GtkBox)

void handset_login_page_set_account (HandsetLoginPage *self, HandsetAccount *account);
void handset_login_page_fill (HandsetLoginPage *self,
                              const char *user,
                              const char *password,
                              const char *homeserver);
const char *handset_login_page_get_error (HandsetLoginPage *self);

G_END_DECLS
