/* handset-matrix-error.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define HANDSET_MATRIX_ERROR (handset_matrix_error_quark ())

/**
 * HandsetMatrixError:
 *
 * Errors of the Client-Server API: one code per Matrix `errcode` that
 * Handset treats differently, plus what can go wrong below the API.
 */
typedef enum
{
  HANDSET_MATRIX_ERROR_UNKNOWN,          /* any other errcode */
  HANDSET_MATRIX_ERROR_FORBIDDEN,        /* M_FORBIDDEN */
  HANDSET_MATRIX_ERROR_UNKNOWN_TOKEN,    /* M_UNKNOWN_TOKEN: log in again */
  HANDSET_MATRIX_ERROR_MISSING_TOKEN,    /* M_MISSING_TOKEN */
  HANDSET_MATRIX_ERROR_USER_DEACTIVATED, /* M_USER_DEACTIVATED */
  HANDSET_MATRIX_ERROR_LIMIT_EXCEEDED,   /* M_LIMIT_EXCEEDED, after retrying */
  HANDSET_MATRIX_ERROR_NOT_FOUND,        /* M_NOT_FOUND */
  HANDSET_MATRIX_ERROR_USER_IN_USE,      /* M_USER_IN_USE */
  HANDSET_MATRIX_ERROR_INVALID_USERNAME, /* M_INVALID_USERNAME */
  HANDSET_MATRIX_ERROR_BAD_JSON,         /* M_BAD_JSON, M_NOT_JSON */
  HANDSET_MATRIX_ERROR_UNRECOGNIZED,     /* M_UNRECOGNIZED: the server lacks the endpoint */
  HANDSET_MATRIX_ERROR_TOO_LARGE,        /* M_TOO_LARGE */
  HANDSET_MATRIX_ERROR_NETWORK,          /* the homeserver could not be reached */
  HANDSET_MATRIX_ERROR_BAD_RESPONSE,     /* the answer is not the JSON the API promises */
  HANDSET_MATRIX_ERROR_NO_HOMESERVER,    /* discovery found no homeserver */
  HANDSET_MATRIX_ERROR_UNSUPPORTED,      /* the homeserver lacks what Handset needs */
  HANDSET_MATRIX_ERROR_SSO_FAILED,       /* the browser login did not complete */
  HANDSET_MATRIX_ERROR_AUTH_REQUIRED,    /* 401 without errcode: user-interactive auth asked */
} HandsetMatrixError;

GQuark handset_matrix_error_quark (void);

GError *handset_matrix_error_new_from_response (guint status,
                                                const char *errcode,
                                                const char *server_message);

G_END_DECLS
