#include "spm_shim.h"
#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <unordered_map>
#include <vector>

struct spm_processor { sentencepiece::SentencePieceProcessor sp; };

static thread_local std::string last_error;

static char *dup_string(const std::string &s) {
    char *r = static_cast<char *>(std::malloc(s.size() + 1));
    if (r) { std::memcpy(r, s.data(), s.size()); r[s.size()] = 0; }
    return r;
}

static spm_processor *finish_load(spm_processor *p, const sentencepiece::util::Status &st) {
    if (!st.ok()) { last_error = st.ToString(); delete p; return nullptr; }
    last_error.clear();
    return p;
}

extern "C" {

const char *spm_last_error(void) { return last_error.c_str(); }

spm_processor *spm_new_from_file(const char *model_path) {
    auto *p = new (std::nothrow) spm_processor();
    if (!p) { last_error = "out of memory"; return nullptr; }
    return finish_load(p, p->sp.Load(model_path));
}

spm_processor *spm_new_from_bytes(const void *data, size_t len) {
    auto *p = new (std::nothrow) spm_processor();
    if (!p) { last_error = "out of memory"; return nullptr; }
    return finish_load(p, p->sp.LoadFromSerializedProto(
        absl::string_view(static_cast<const char *>(data), len)));
}

void spm_free(spm_processor *p) { delete p; }

int32_t spm_vocab_size(const spm_processor *p) { return p->sp.GetPieceSize(); }
int32_t spm_piece_to_id(const spm_processor *p, const char *piece) { return p->sp.PieceToId(piece); }
const char *spm_id_to_piece(const spm_processor *p, int32_t id) {
    if (id < 0 || id >= p->sp.GetPieceSize()) return nullptr;
    return p->sp.IdToPiece(id).c_str();
}
float spm_get_score(const spm_processor *p, int32_t id) {
    if (id < 0 || id >= p->sp.GetPieceSize()) return 0;
    return p->sp.GetScore(id);
}
int32_t spm_is_control(const spm_processor *p, int32_t id) { return p->sp.IsControl(id) ? 1 : 0; }
int32_t spm_is_unknown(const spm_processor *p, int32_t id) { return p->sp.IsUnknown(id) ? 1 : 0; }
int32_t spm_is_byte(const spm_processor *p, int32_t id) { return p->sp.IsByte(id) ? 1 : 0; }
int32_t spm_bos_id(const spm_processor *p) { return p->sp.bos_id(); }
int32_t spm_eos_id(const spm_processor *p) { return p->sp.eos_id(); }
int32_t spm_unk_id(const spm_processor *p) { return p->sp.unk_id(); }
int32_t spm_pad_id(const spm_processor *p) { return p->sp.pad_id(); }

int64_t spm_encode(const spm_processor *p, const char *text, size_t len, int32_t **out_ids) {
    std::vector<int> ids;
    auto st = p->sp.Encode(absl::string_view(text, len), &ids);
    if (!st.ok()) { last_error = st.ToString(); *out_ids = nullptr; return -1; }
    auto *buf = static_cast<int32_t *>(std::malloc(sizeof(int32_t) * (ids.empty() ? 1 : ids.size())));
    if (!buf) { last_error = "out of memory"; return -1; }
    for (size_t i = 0; i < ids.size(); ++i) buf[i] = ids[i];
    *out_ids = buf;
    return static_cast<int64_t>(ids.size());
}
void spm_free_ids(int32_t *ids) { std::free(ids); }

char *spm_decode(const spm_processor *p, const int32_t *ids, size_t n, size_t *out_len) {
    const int32_t size = p->sp.GetPieceSize();
    std::vector<int> v(ids, ids + n);
    for (int id : v) {
        if (id < 0 || id >= size) { last_error = "id " + std::to_string(id) + " out of range"; return nullptr; }
    }
    std::string out;
    auto st = p->sp.Decode(v, &out);
    if (!st.ok()) { last_error = st.ToString(); return nullptr; }
    if (out_len) *out_len = out.size();
    return dup_string(out);
}
void spm_free_string(char *s) { std::free(s); }

int32_t spm_train(const char *args) {
    auto st = sentencepiece::SentencePieceTrainer::Train(absl::string_view(args));
    if (!st.ok()) { last_error = st.ToString(); return -1; }
    last_error.clear();
    return 0;
}

int32_t spm_train_kv(const char *const *names, const char *const *values, size_t n) {
    std::unordered_map<std::string, std::string> kwargs;
    for (size_t i = 0; i < n; ++i) kwargs[names[i]] = values[i];
    auto st = sentencepiece::SentencePieceTrainer::Train(kwargs);
    if (!st.ok()) { last_error = st.ToString(); return -1; }
    last_error.clear();
    return 0;
}

} // extern "C"
