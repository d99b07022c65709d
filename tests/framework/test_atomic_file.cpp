#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "framework/errors.h"
#include "framework/io/atomic_file.h"

namespace poolnet {
namespace {

namespace fs = std::filesystem;

class AtomicFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / fmt::format("poolnet_atomic_{}_{}", ::getpid(),
                                                   ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  static std::string read(const std::string& file) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  std::vector<std::string> entries() const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir_)) out.push_back(e.path().filename().string());
    return out;
  }

  fs::path dir_;
};

TEST_F(AtomicFileTest, ReplacesTheTargetOnlyAtCommit) {
  write_file_atomically(path("report.json"), "old\n");
  {
    AtomicFile file(path("report.json"));
    file.write("new content");
    EXPECT_TRUE(fs::exists(file.temporary_path()));
    EXPECT_EQ(fs::path(file.temporary_path()).parent_path(), dir_);  // same folder: rename is atomic
    EXPECT_EQ(read(path("report.json")), "old\n");
    file.write(std::string_view("\n"));
    file.commit();
  }
  EXPECT_EQ(read(path("report.json")), "new content\n");
  EXPECT_EQ(entries(), std::vector<std::string>{"report.json"});
}

TEST_F(AtomicFileTest, AbandonedFileLeavesNothing) {
  {
    AtomicFile file(path("report.json"));
    file.write("{\"partial\":");
  }
  EXPECT_TRUE(entries().empty());
}

TEST_F(AtomicFileTest, RejectsUseAfterCommitAndFolderPaths) {
  AtomicFile file(path("a.txt"));
  file.commit();
  EXPECT_THROW(file.write("x"), IoError);
  EXPECT_THROW(file.commit(), IoError);
  EXPECT_EQ(read(path("a.txt")), "");
  try {
    AtomicFile folder(path("sub") + "/");
    FAIL();
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("names a folder, not a file"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace poolnet
