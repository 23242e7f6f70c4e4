# Abstract storage interface
from abc import ABC, abstractmethod
 
class ArtifactStore(ABC):
    @abstractmethod
    def save(self, path: str, local_file: str) -> str:
        pass
 
    @abstractmethod
    def load(self, path: str, local_file: str) -> None:
        pass
 
    @abstractmethod
    def list(self, prefix: str) -> List[str]:
        pass
 
# S3 implementation
class S3ArtifactStore(ArtifactStore):
    def __init__(self, bucket: str, endpoint: str):
        self.s3_client = boto3.client('s3', endpoint_url=endpoint)
        self.bucket = bucket
 
    def save(self, path: str, local_file: str) -> str:
        self.s3_client.upload_file(local_file, self.bucket, path)
        return f"s3://{self.bucket}/{path}"
 
    def load(self, path: str, local_file: str) -> None:
        self.s3_client.download_file(self.bucket, path, local_file)
 
    def list(self, prefix: str) -> List[str]:
        response = self.s3_client.list_objects_v2(
            Bucket=self.bucket,
            Prefix=prefix
        )
        return [obj['Key'] for obj in response.get('Contents', [])]
 
# MinIO implementation (just swap it out)
class MinIOArtifactStore(S3ArtifactStore):
    def __init__(self, bucket: str, endpoint: str):
        super().__init__(bucket, endpoint)
 
# Usage (no changes needed)
store = S3ArtifactStore(bucket="ml-artifacts", endpoint="s3.amazonaws.com")
store.save("bert-v2/model.pt", "/workspace/model.pt")
