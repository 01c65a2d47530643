-- What Scale 6 keeps of a file's source (ScaleFile.source_sensor_class, source_sensor,
-- source_collection, source_task): a product takes them from its side-car metadata
-- (sourceSensorClass, …) or else from its job's input files, as ProductFile.objects.upload_files does.
ALTER TABLE scale_file ADD COLUMN source_sensor_class text;
ALTER TABLE scale_file ADD COLUMN source_sensor text;
ALTER TABLE scale_file ADD COLUMN source_collection text;
ALTER TABLE scale_file ADD COLUMN source_task text;

-- When a product stopped being published: the job that superseded its job published its own
-- (ProductFile.objects.publish_products / unpublish_products_old).
ALTER TABLE scale_file ADD COLUMN unpublished timestamptz;

-- JobType.is_published (Scale 6): whether the job type's outputs are published, as its caller says.
ALTER TABLE job_type ADD COLUMN is_published boolean NOT NULL DEFAULT false;
