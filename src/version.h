/* The version ward reports (--version, the socket's Hello). */
#ifndef WARD_VERSION_H
#define WARD_VERSION_H
#define WARD_VERSION "0.2.0"
#endif
