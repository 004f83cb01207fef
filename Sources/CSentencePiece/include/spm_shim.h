// C API over libsentencepiece (C++). Status-code style: functions that can fail return NULL or -1
// and leave a message for spm_last_error() (thread-local).
#pragma once
#include <stddef.h>
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif

typedef struct spm_processor spm_processor;   // opaque

/// Last error message of this thread ("" if none). Owned by the library; valid until the next call.
const char *spm_last_error(void);

/// Load a model from a file path / from the bytes of a serialized ModelProto. NULL on failure.
spm_processor *spm_new_from_file(const char *model_path);
spm_processor *spm_new_from_bytes(const void *data, size_t len);
void spm_free(spm_processor *p);

int32_t spm_vocab_size(const spm_processor *p);
int32_t spm_piece_to_id(const spm_processor *p, const char *piece);   // unk id if absent
/// Piece text of `id` (owned by the processor), NULL if out of range.
const char *spm_id_to_piece(const spm_processor *p, int32_t id);
float spm_get_score(const spm_processor *p, int32_t id);
/// 1 if the id is a control / unknown / byte piece respectively.
int32_t spm_is_control(const spm_processor *p, int32_t id);
int32_t spm_is_unknown(const spm_processor *p, int32_t id);
int32_t spm_is_byte(const spm_processor *p, int32_t id);
int32_t spm_bos_id(const spm_processor *p);
int32_t spm_eos_id(const spm_processor *p);
int32_t spm_unk_id(const spm_processor *p);
int32_t spm_pad_id(const spm_processor *p);

/// Encode UTF-8 text. Returns the number of ids (>= 0) with *out_ids malloc'd (free with spm_free_ids), or -1.
int64_t spm_encode(const spm_processor *p, const char *text, size_t len, int32_t **out_ids);
void spm_free_ids(int32_t *ids);

/// Decode ids to malloc'd NUL-terminated UTF-8 (free with spm_free_string); NULL on error.
char *spm_decode(const spm_processor *p, const int32_t *ids, size_t n, size_t *out_len);
void spm_free_string(char *s);

/// Train a model with the library's trainer. `args` is the spm_train flag string,
/// e.g. "--input=corpus.txt --model_prefix=m --vocab_size=500". Returns 0 on success, -1 on failure.
int32_t spm_train(const char *args);

/// Train from `n` flag name/value pairs (names without "--", e.g. "input", "vocab_size"), so that paths may
/// contain spaces. Returns 0 on success, -1 on failure (message in spm_last_error()).
int32_t spm_train_kv(const char *const *names, const char *const *values, size_t n);

#ifdef __cplusplus
}
#endif
