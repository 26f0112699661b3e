// cli/cmd_batch.hpp — folder mode shared by `pixforge run` and the image operations (flip, rotate, adjust), and the
// IN OUT handling of those operations.
//
//   pixforge <command> ... INDIR OUTDIR ...
//
// Every image in INDIR (.png .jpg .jpeg .bmp .tga, not recursive, sorted by name) is processed into OUTDIR under
// the same file name; OUTDIR is created if missing and must not be INDIR (an input is never overwritten). A file
// that fails is reported (name and error) and skipped; the others continue. A progress bar with ETA runs on
// stderr (unless --quiet), a summary follows, and the exit code is 1 if any file failed.
//
// Included by cli/pixforge.cpp after its helpers (UsageError, ProgressBar, same_file, supported_output, kOk, ...).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "pixforge/io/image.hpp"

namespace {

bool has_image_extension(const fs::path& p) {
  std::string ext = p.extension().string();
  for (char& c : ext) c = char(std::tolower(static_cast<unsigned char>(c)));
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp" || ext == ".tga";
}

// INDIR OUTDIR: OUTDIR must be a folder (or not exist yet) and not INDIR itself.
void check_folders(const std::string& cmd, const std::string& indir, const std::string& outdir) {
  std::error_code ec;
  if (fs::exists(outdir, ec) && !fs::is_directory(outdir, ec))
    throw UsageError(cmd + ": IN '" + indir + "' is a folder, so OUT must be a folder, but '" + outdir +
                     "' is a file");
  if (same_file(indir, outdir))
    throw UsageError(cmd + ": OUTDIR '" + outdir + "' is the input folder; pixforge never overwrites its input");
}

// Runs one(in_file, out_file) for every image of indir; failures are reported and counted, never fatal.
int for_each_image(const std::string& cmd, const std::string& indir, const std::string& outdir, bool quiet,
                   const std::function<void(const std::string&, const std::string&)>& one) {
  check_folders(cmd, indir, outdir);
  std::error_code ec;
  std::vector<fs::path> files;
  size_t others = 0;
  for (const auto& e : fs::directory_iterator(indir)) {
    // A dangling link with an image name is a file the user meant and that cannot be read: it is reported as a
    // failure, not ignored. Folders, FIFOs and devices are ignored (reading a FIFO would block).
    const bool dangling = e.is_symlink(ec) && !fs::exists(e.path(), ec);
    if ((e.is_regular_file(ec) || dangling) && has_image_extension(e.path()))
      files.push_back(e.path());
    else
      ++others;
  }
  std::sort(files.begin(), files.end());
  if (files.empty())
    pf::fail(pf::ErrorCode::io_error, cmd + ": no images (.png, .jpg, .jpeg, .bmp, .tga) in '" + indir + "'");
  fs::create_directories(outdir, ec);
  if (ec) pf::fail(pf::ErrorCode::io_error, cmd + ": cannot create OUTDIR '" + outdir + "': " + ec.message());

  const auto t0 = std::chrono::steady_clock::now();
  ProgressBar bar("images");
  std::vector<std::pair<std::string, std::string>> failed;
  for (size_t i = 0; i < files.size(); ++i) {
    if (!quiet) bar.update(int64_t(i), int64_t(files.size()));
    const std::string name = files[i].filename().string();
    try {
      one(files[i].string(), (fs::path(outdir) / name).string());
    } catch (const std::exception& e) {
      failed.emplace_back(name, e.what());
      std::fprintf(stderr, "%spixforge: %s: FAILED %s: %s\n", g_bar_open ? "\n" : "", cmd.c_str(), name.c_str(),
                   e.what());
      g_bar_open = false;
    }
  }
  if (!quiet) bar.update(int64_t(files.size()), int64_t(files.size()));
  const double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::fprintf(stderr, "pixforge: %s: %zu of %zu images written to %s in %s", cmd.c_str(),
               files.size() - failed.size(), files.size(), outdir.c_str(), format_seconds(sec).c_str());
  if (others) std::fprintf(stderr, " (%zu other entries ignored)", others);
  std::fprintf(stderr, failed.empty() ? "\n" : "; %zu FAILED:\n", failed.size());
  for (const auto& f : failed) std::fprintf(stderr, "  %s: %s\n", f.first.c_str(), f.second.c_str());
  return failed.empty() ? kOk : kRuntimeError;
}

// IN OUT of an image operation: one file, or (IN a folder) every image of it via for_each_image.
int run_image_op(const std::string& cmd, const std::string& in, const std::string& out, bool quiet,
                 const std::function<pf::Image(const pf::Image&)>& op) {
  auto one = [&](const std::string& i, const std::string& o) { pf::save_image(o, op(pf::load_image(i))); };
  std::error_code ec;
  if (fs::is_directory(in, ec)) return for_each_image(cmd, in, out, quiet, one);
  if (same_file(in, out))
    throw UsageError(cmd + ": OUT '" + out + "' is the input file; pixforge never overwrites its input");
  if (!supported_output(out))
    throw UsageError(cmd + ": cannot write '" + out + "': use a .png, .jpg, .jpeg, .bmp or .tga extension");
  one(in, out);
  return kOk;
}

}  // namespace
